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
  /** Unused since migration 0016 (''): findings are rows of evaluation_findings, the report is assembled on read. */
  findings: string;
  report: string;
  /** When the data revision was made (the report's db.updatedAt). */
  db_updated_at: string | null;
  /** XOR of the finding rows' 64-bit hashes (hex); null when unknown (findings carried over by 0016). */
  fingerprint: string | null;
  /** The findings epoch the evaluation reads package_findings at; null: its rows are in evaluation_findings (before 0019). */
  epoch: number | null;
  /** When the image was first evaluated in the repository (no finding applies to it from before). */
  first_at: string | null;
}

/** One finding of an evaluation: a package (by purl) and a canonical advisory id (migration 0016). */
export interface EvaluationFindingsTable {
  repository: string;
  manifest_digest: string;
  platform: string;
  purl: string;
  vuln_id: string;
  /** Match key the finding came through; null for findings carried over by migration 0016. */
  ecosystem: string | null;
  name: string | null;
  /** Report severity (critical … unknown). */
  severity: string;
  /** 1 when a fixed version exists on the installed line. */
  fixed: number;
  since: string;
  /** finding_details.hash: what the finding shows. */
  detail: string;
}

/** The package and report entry of a finding, shared by every evaluation that has it (by content hash). */
export interface FindingDetailsTable {
  hash: string;
  /** JSON FindingRef['package']. */
  package: string;
  /** JSON ReportVulnerability without `since`. */
  vulnerability: string;
}

/** An image's packages per match key, enough to re-match them without the SBOM (migration 0016). */
export interface ImageMatchPackagesTable {
  manifest_digest: string;
  platform: string;
  ecosystem: string;
  name: string;
  purl: string;
  /** JSON of the package as the matcher needs it; '' since migration 0019 (kept once in match_packages). */
  package: string;
  /** How many report entries (purl + locations) the image has for this purl: the summary counts each. */
  weight: number;
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

/** A package some image was matched by (migration 0019). */
export interface MatchPackagesTable {
  ecosystem: string;
  name: string;
  purl: string;
  /** The package as the matcher needs it (JSON). */
  package: string;
}

/** One finding of a package while it held: epochs [from_epoch, to_epoch), to_epoch null while current. */
export interface PackageFindingsTable {
  ecosystem: string;
  name: string;
  purl: string;
  vuln_id: string;
  severity: string;
  fixed: number;
  since: string;
  detail: string;
  from_epoch: number;
  to_epoch: number | null;
}

export interface FindingsEpochTable {
  id: number;
  epoch: number;
}

export interface EvaluationTables {
  evaluations: EvaluationsTable;
  evaluation_events: EvaluationEventsTable;
  evaluation_findings: EvaluationFindingsTable;
  finding_details: FindingDetailsTable;
  image_match_packages: ImageMatchPackagesTable;
  vuln_changes: VulnChangesTable;
  reevaluation_state: ReevaluationStateTable;
  match_packages: MatchPackagesTable;
  package_findings: PackageFindingsTable;
  findings_epoch: FindingsEpochTable;
}
