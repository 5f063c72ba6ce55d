/** Injection tokens of the node agent. */
export const NODE_AGENT_CONFIG = Symbol('fluxplane.node-agent.config');
