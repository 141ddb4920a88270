/**
 * Kysely table types of the registry domain. Columns use portable types only (text, integer) so
 * the same queries run on SQLite and PostgreSQL; timestamps are ISO-8601 strings.
 */

export interface RepositoriesTable {
  name: string;
  created_at: string;
}

export interface RepositoryBlobsTable {
  repository: string;
  digest: string;
  created_at: string;
}

export interface ManifestsTable {
  repository: string;
  digest: string;
  media_type: string;
  size: number;
  artifact_type: string | null;
  subject: string | null;
  config_digest: string | null;
  annotations: string | null;
  created_at: string;
}

export interface ManifestBlobsTable {
  repository: string;
  manifest_digest: string;
  blob_digest: string;
}

export interface ManifestChildrenTable {
  repository: string;
  manifest_digest: string;
  child_digest: string;
}

export interface TagsTable {
  repository: string;
  name: string;
  manifest_digest: string;
  updated_at: string;
}

export interface ReferrersTable {
  repository: string;
  subject_digest: string;
  manifest_digest: string;
  media_type: string;
  size: number;
  artifact_type: string | null;
  annotations: string | null;
}

export interface RegistryTables {
  repositories: RepositoriesTable;
  repository_blobs: RepositoryBlobsTable;
  manifests: ManifestsTable;
  manifest_blobs: ManifestBlobsTable;
  manifest_children: ManifestChildrenTable;
  tags: TagsTable;
  referrers: ReferrersTable;
}
