/**
 * The bench's Postgres schema and its table, always schema-qualified: the connection's search_path is
 * the server default (`public`), so an unqualified `nodes` would collide with other services' tables.
 */
export const SCHEMA = 'bench';
export const T = { nodes: `"${SCHEMA}".nodes` } as const;
