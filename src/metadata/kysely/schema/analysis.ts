/**
 * Kysely table types of the job queue and the analysis domain (SBOM store). Portable column types
 * only; timestamps are ISO-8601 UTC strings (they sort as text), JSON is stored as text.
 */

export interface JobsTable {
  id: string;
  kind: string;
  key: string | null;
  /** Equals `key` while the job is queued or running, NULL afterwards: the unique dedupe slot. */
  active_key: string | null;
  payload: string;
  status: string;
  priority: number;
  attempts: number;
  max_attempts: number;
  run_at: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface AnalysesTable {
  id: string;
  /** The platform image manifest digest. */
  manifest_digest: string;
  /** The pushed digest (an index for multi-platform images, else the same as manifest_digest). */
  root_digest: string;
  /** "linux/amd64", "" when the manifest has no platform. */
  platform: string;
  status: string;
  reason: string | null;
  cataloger_set: string;
  config_digest: string | null;
  layers: string | null;
  distro_id: string | null;
  distro_version: string | null;
  distro_ecosystem: string | null;
  distro: string | null;
  tool_version: string | null;
  queued_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface PackagesTable {
  id: string;
  type: string;
  ecosystem: string;
  name: string;
  version: string;
  purl: string;
  source_name: string | null;
  source_version: string | null;
  licenses: string;
  metadata: string | null;
  found_by: string;
}

export interface ImagePackagesTable {
  analysis_id: string;
  package_id: string;
  locations: string;
}

export interface AnalysisTables {
  jobs: JobsTable;
  analyses: AnalysesTable;
  packages: PackagesTable;
  image_packages: ImagePackagesTable;
}
