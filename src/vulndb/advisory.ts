/**
 * The normalized advisory model every source parser produces and the vulnerability database stores:
 * an OSV-shaped subset (ids, aliases, ranges with events, explicit versions) plus distro statuses and
 * the provenance (source + record key) each range keeps after merging.
 */

/** How a distro rates a package for one vulnerability; OSV records are always 'affected' by their ranges. */
export type AffectedStatus = 'affected' | 'fixed' | 'not-fixed' | 'will-not-fix' | 'not-affected' | 'end-of-life';

export type RangeType = 'ECOSYSTEM' | 'SEMVER' | 'GIT';

/** One OSV event; exactly one of the keys is set. */
export type RangeEvent =
  | { readonly introduced: string }
  | { readonly fixed: string }
  | { readonly last_affected: string }
  | { readonly limit: string };

export interface AffectedRange {
  readonly type: RangeType;
  readonly events: readonly RangeEvent[];
}

export interface Affected {
  /** OSV ecosystem, release-qualified for distros: "Debian:12", "Alpine:v3.20", "PyPI", "Go". */
  readonly ecosystem: string;
  /** Normalized per ecosystem (see names.ts); distro entries name the source package. */
  readonly name: string;
  readonly ranges: readonly AffectedRange[];
  readonly versions: readonly string[];
  readonly status: AffectedStatus;
  /** Distro urgency or per-package severity when the source gives one ("high", "unimportant", …). */
  readonly severity?: string;
}

export interface Cvss {
  /** "3.0" | "3.1" | "4.0" | "2.0". */
  readonly version: string;
  readonly vector: string;
  /** Base score when given by the source or computable from the vector (v3); absent for v4 vectors we only carry. */
  readonly score?: number;
}

export interface Severity {
  /** Qualitative rating: critical | high | medium | low | negligible | unknown (lower-case). */
  readonly rating?: string;
  readonly cvss?: readonly Cvss[];
}

export interface Reference {
  readonly type: string;
  readonly url: string;
}

export interface Advisory {
  /** The record's own id as published: "GO-2023-1234", "PYSEC-…", "CVE-…" (Debian/Alpine records). */
  readonly id: string;
  readonly aliases: readonly string[];
  readonly summary?: string;
  readonly details?: string;
  readonly published?: string;
  readonly modified?: string;
  readonly withdrawn?: string;
  readonly severity?: Severity;
  readonly references: readonly Reference[];
  readonly affected: readonly Affected[];
}

/** Facts about one CVE from enrichment feeds (NVD CVSS, CISA KEV, FIRST EPSS). */
export interface CveMetrics {
  readonly cve: string;
  readonly cvss?: Cvss;
  readonly rating?: string;
  readonly kevDateAdded?: string;
  readonly epssScore?: number;
  readonly epssPercentile?: number;
}

/** What a source parser yields. `key` is unique within the source (OSV: the id; Debian: "pkg/CVE"). */
export type SourceRecord =
  | { readonly kind: 'advisory'; readonly key: string; readonly advisory: Advisory }
  | { readonly kind: 'metrics'; readonly metrics: CveMetrics };

/** Ranks qualitative ratings so the highest of several can be picked. */
export const RATING_ORDER: Readonly<Record<string, number>> = {
  critical: 5,
  high: 4,
  medium: 3,
  moderate: 3,
  low: 2,
  negligible: 1,
  unimportant: 1,
  unknown: 0,
};

export function ratingFromScore(score: number): string {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'unknown';
}
