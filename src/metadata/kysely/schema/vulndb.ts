/** Kysely table types of the vulnerability database (migrations 0004-vulndb, 0015, 0018-vulndb-info, 0020-vulndb-match-index). */
export interface VulnAdvisoryTable {
  source: string;
  record_key: string;
  id: string;
  /** JSON string[]. */
  aliases: string;
  modified: string | null;
  hash: string;
  withdrawn: number;
  summary: string | null;
  /** JSON Severity. */
  severity: string | null;
  /** JSON Advisory. */
  doc: string;
}

export interface VulnAliasTable {
  alias: string;
  canonical_id: string;
}

export interface VulnAffectedTable {
  source: string;
  record_key: string;
  vuln_id: string;
  ecosystem: string;
  package: string;
  status: string;
  /** JSON AffectedRange[]. */
  ranges: string;
  /** JSON string[]. */
  versions: string;
  severity: string | null;
}

/** One row per canonical id of the alias map (migration 0018), rebuilt with it. */
export interface VulnInfoTable {
  canonical_id: string;
  /** JSON string[]: the other ids of the vulnerability, sorted. */
  aliases: string;
  /** The first summary of its (non-withdrawn) advisories. */
  summary: string | null;
  /** JSON Severity merged over its advisories (first rating, every CVSS vector), or null. */
  severity: string | null;
}

/** The match index (migration 0020): a package key's affected rows with canonical ids (src/vulndb/match-index.ts). */
export interface VulnMatchTable {
  ecosystem: string;
  package: string;
  /** The key's rows in the match index's text format. */
  affected: string;
}

export interface VulnCveMetricsTable {
  cve: string;
  nvd_version: string | null;
  nvd_vector: string | null;
  nvd_score: number | null;
  nvd_rating: string | null;
  kev_date_added: string | null;
  epss_score: number | null;
  epss_percentile: number | null;
}

export interface VulnSourceTable {
  source: string;
  last_update: string;
  last_change: string | null;
  last_origin: string | null;
  /** JSON ImportResult counts. */
  last_result: string;
}

export interface VulnStateTable {
  id: number;
  revision: number;
  updated_at: string | null;
}

export interface VulndbTables {
  vuln_advisory: VulnAdvisoryTable;
  vuln_alias: VulnAliasTable;
  vuln_info: VulnInfoTable;
  vuln_affected: VulnAffectedTable;
  vuln_match: VulnMatchTable;
  vuln_cve_metrics: VulnCveMetricsTable;
  vuln_source: VulnSourceTable;
  vuln_state: VulnStateTable;
  vuln_update_state: VulnUpdateStateTable;
}

/** Scheduled feed updates (migration 0015): when the next attempt may start, and how the last ones went. */
export interface VulnUpdateStateTable {
  id: number;
  next_attempt: string;
  last_attempt: string | null;
  last_success: string | null;
  last_error: string | null;
  /** Consecutive failed attempts (the backoff exponent). */
  failures: number;
}
