/** Kysely table types of repository settings. */
export interface RepositorySettingsTable {
  repository: string;
  analysis: string;
  updated_at: string;
  updated_by: string | null;
}

export interface RepositoryTables {
  repository_settings: RepositorySettingsTable;
}
