/** Kysely table types of vulnerability evaluations. */
export interface ImageEvaluationsTable {
  manifest_digest: string;
  platform: string;
  revision: number;
  evaluated_at: string;
  /** JSON SeveritySummary. */
  summary: string;
  /** JSON array of "purl advisory-id" keys: what changed is a set difference on the next evaluation. */
  finding_keys: string;
}

export interface EvaluationTables {
  image_evaluations: ImageEvaluationsTable;
}
