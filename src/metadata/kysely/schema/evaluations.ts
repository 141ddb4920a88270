/** Kysely table types of vulnerability evaluations and their history (see migration 0013). */
export interface EvaluationsTable {
  repository: string;
  manifest_digest: string;
  platform: string;
  revision: number;
  matcher_version: number;
  evaluated_at: string;
  /** JSON SeveritySummary. */
  summary: string;
  /** JSON Record<findingKey, StoredFinding>: what the next evaluation diffs against, and `since`. */
  findings: string;
  /** JSON VulnerabilityReport as served by the tag vulnerabilities API. */
  report: string;
}

export interface EvaluationEventsTable {
  id: string;
  repository: string;
  manifest_digest: string;
  platform: string;
  at: string;
  revision: number;
  /** 'analysis' (first evaluation) | 'reevaluation'. */
  kind: string;
  /** JSON FindingRef[] / FindingChange[]. */
  added: string;
  removed: string;
  changed: string;
  summary: string;
}

export interface ImageMatchKeysTable {
  manifest_digest: string;
  platform: string;
  ecosystem: string;
  name: string;
}

export interface VulnChangesTable {
  revision: number;
  ecosystem: string;
  package: string;
}

export interface ReevaluationStateTable {
  id: number;
  /** Data revision every advanced evaluation has caught up with. */
  revision: number;
  matcher_version: number;
  updated_at: string;
}

export interface EvaluationTables {
  evaluations: EvaluationsTable;
  evaluation_events: EvaluationEventsTable;
  image_match_keys: ImageMatchKeysTable;
  vuln_changes: VulnChangesTable;
  reevaluation_state: ReevaluationStateTable;
}
