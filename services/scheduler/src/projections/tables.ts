/**
 * The scheduler's Postgres schema and its tables, always schema-qualified: the connection's
 * search_path is the server default (`public`), so unqualified names would collide with other
 * services' tables of the same name (stats also has `nodes` and `apps`).
 */
export const SCHEMA = 'scheduler';
export const T = {
  nodes: `"${SCHEMA}".nodes`,
  apps: `"${SCHEMA}".apps`,
  placements: `"${SCHEMA}".placements`,
  placementRevisions: `"${SCHEMA}".placement_revisions`,
  instanceReports: `"${SCHEMA}".instance_reports`,
  setbacks: `"${SCHEMA}".setbacks`,
  /** InstanceRouted per instance (until InstanceDrained): rolling updates wait on it. */
  instanceRoutes: `"${SCHEMA}".instance_routes`,
} as const;
