import { Counter, Gauge, register } from 'prom-client';

/** Get-or-create, so two agents in one process (tests) share the registry instead of clashing. */
function gauge(name: string, help: string): Gauge {
  return (register.getSingleMetric(name) as Gauge) ?? new Gauge({ name, help });
}

function counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
  return (register.getSingleMetric(name) as Counter<L>) ?? new Counter({ name, help, labelNames });
}

export const agentMetrics = {
  get runningInstances() { return gauge('fluxplane_node_agent_running_instances', 'Scheduled instances whose every component runs'); },
  get desiredInstances() { return gauge('fluxplane_node_agent_desired_instances', 'Instances scheduled on this node'); },
  get actions() { return counter('fluxplane_node_agent_actions_total', 'Container actions executed by the reconciler', ['kind', 'outcome']); },
  get reconciles() { return counter('fluxplane_node_agent_reconciles_total', 'Reconcile passes', ['outcome']); },
};
