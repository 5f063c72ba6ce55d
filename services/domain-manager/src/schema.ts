/** The service's Postgres schema. Table names are qualified with it: the DataSource sets no search_path. */
export const SCHEMA = 'domain_manager';
export const APPS_TABLE = `"${SCHEMA}".apps`;
export const INSTANCES_TABLE = `"${SCHEMA}".instances`;
export const MASTERS_TABLE = `"${SCHEMA}".masters`;
