import { counter, gauge, histogram } from '@fluxplane/service-kit';

export const agentMetrics = {
  get pulls() { return histogram({ name: 'fluxplane_node_agent_pull_duration_seconds', help: 'Image pulls by outcome', labelNames: ['outcome'], buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 600] }); },
  get pullBytes() { return counter({ name: 'fluxplane_node_agent_pull_downloaded_bytes_total', help: 'Bytes of image layers downloaded' }); },
  get pullsInProgress() { return gauge({ name: 'fluxplane_node_agent_pulls_in_progress', help: 'Image pulls running now' }); },
  get runningInstances() { return gauge({ name: 'fluxplane_node_agent_running_instances', help: 'Scheduled instances whose every component runs' }); },
  get desiredInstances() { return gauge({ name: 'fluxplane_node_agent_desired_instances', help: 'Instances scheduled on this node' }); },
  get actions() { return counter({ name: 'fluxplane_node_agent_actions_total', help: 'Container actions executed by the reconciler', labelNames: ['kind', 'outcome'] }); },
  get drainWaits() { return counter({ name: 'fluxplane_node_agent_drain_waits_total', help: 'Stops of routed instances held until HAProxy drained them (InstanceDrained)' }); },
  get crashRestarts() { return counter({ name: 'fluxplane_node_agent_crash_restarts_total', help: 'Crashed containers restarted by the agent (crash policy)' }); },
  get volumeUsedBytes() { return gauge({ name: 'fluxplane_node_agent_volume_used_bytes', help: 'Bytes used on the data volume of a component', labelNames: ['app', 'component'] }); },
  get volumeSizeBytes() { return gauge({ name: 'fluxplane_node_agent_volume_size_bytes', help: 'Size of the data volume of a component (its hdd)', labelNames: ['app', 'component'] }); },
  get volumeOps() { return counter({ name: 'fluxplane_node_agent_volume_operations_total', help: 'Volume operations (created, mounted, removed) and their failures', labelNames: ['op', 'outcome'] }); },
  get reconciles() { return counter({ name: 'fluxplane_node_agent_reconciles_total', help: 'Reconcile passes', labelNames: ['outcome'] }); },
};

/** Data sync (Syncthing): what an operator watches to see whether replicas keep up. */
export const syncMetrics = {
  get folderCompletion() { return gauge({ name: 'fluxplane_node_agent_sync_folder_completion', help: 'Local completion of a synced folder against its peers, 0-100', labelNames: ['folder'] }); },
  get folderNeedBytes() { return gauge({ name: 'fluxplane_node_agent_sync_folder_need_bytes', help: 'Bytes a synced folder still needs from its peers', labelNames: ['folder'] }); },
  get folders() { return gauge({ name: 'fluxplane_node_agent_sync_folders', help: 'Synced folders configured on this node' }); },
  get actions() { return counter({ name: 'fluxplane_node_agent_sync_actions_total', help: 'Syncthing config changes made by the agent', labelNames: ['kind', 'outcome'] }); },
  get gate() { return counter({ name: 'fluxplane_node_agent_start_gate_total', help: 'Start gate answers for r:/g: components', labelNames: ['decision'] }); },
  get passes() { return counter({ name: 'fluxplane_node_agent_sync_passes_total', help: 'Data sync passes', labelNames: ['outcome'] }); },
};

/** Fencing of g: components: is this node the master, and does its lease hold? */
export const fencingMetrics = {
  get mayRun() { return gauge({ name: 'fluxplane_node_agent_master_may_run', help: '1 while this node is the master of the current term of a g: component with a valid lease', labelNames: ['app', 'component'] }); },
  get term() { return gauge({ name: 'fluxplane_node_agent_master_term', help: 'Highest term seen for a g: component held here', labelNames: ['app', 'component'] }); },
  get renewals() { return counter({ name: 'fluxplane_node_agent_lease_renewals_total', help: 'Lease writes of this node as master (ok, failed, fenced: another node holds a newer lease)', labelNames: ['outcome'] }); },
  get transitions() { return counter({ name: 'fluxplane_node_agent_fencing_transitions_total', help: 'Changes of a g: component between may run and fenced here, by the role it ended in', labelNames: ['role'] }); },
};
