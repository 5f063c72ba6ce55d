import * as registry from './app-registry';
import * as scheduler from './scheduler';
import * as indexer from './chain-indexer';
import * as stats from './stats';

export * from './define';
export { SubmittedAppMessage, RegisteredSpec, PermanentAppMessage, TemporaryAppMessage, AppMessage, AppHash, RegistryAuthQuery, RegistryAuth, DomainClaimsQuery, DomainClaims } from './app-registry';
export { AppLocation, PlacementExplanation, AppPlacementQuery, PlacementDryRunQuery, NetworkNode } from './scheduler';
export {
  NetworkSummary, NetworkFigures, TierResources, ActivityCounts, ACTIVITY_KINDS, type ActivityKind, StatsSample, StatsHistoryQuery, StatsHistory,
  MAX_HISTORY_SAMPLES, StatsTierHistoryQuery, TierHistoryEntry, MAX_TIER_HISTORY_ENTRIES, StatsSampleTimesQuery, NodeStat, StatsNodesQuery,
} from './stats';
export * from './node-bench';
export { nodeAgentRpc, AppLogRequest, AppLogReply, AppStatsReply, AppInspectReply, AppControlAction, AppControlRequest, AppControlReply, type NodeAgentRpc } from './node-agent';

/**
 * Every command and query of the control plane, with its request and reply schemas: the one
 * catalogue clients call and responders serve (`Rpc.appSpecs`, `Rpc.submitAppMessage`, ...).
 */
export const Rpc = {
  submitAppMessage: registry.submitAppMessage,
  appSpecs: registry.appSpecs,
  appMessages: registry.appMessages,
  appHashes: registry.appHashes,
  registryHeight: registry.registryHeight,
  appPrices: registry.appPrices,
  registryAuth: registry.registryAuth,
  domainClaims: registry.domainClaims,
  appLocations: scheduler.appLocations,
  appPlacement: scheduler.appPlacement,
  placementDryRun: scheduler.placementDryRun,
  networkNodes: scheduler.networkNodes,
  explorerHeight: indexer.explorerHeight,
  explorerNodes: indexer.explorerNodes,
  explorerPayments: indexer.explorerPayments,
  statsSummary: stats.statsSummary,
  statsHistory: stats.statsHistory,
  statsTierHistory: stats.statsTierHistory,
  statsSampleTimes: stats.statsSampleTimes,
  statsNodes: stats.statsNodes,
} as const;
