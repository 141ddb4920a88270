/**
 * One merged view of a vulnerability across every source's record, in the shape of CONTRACT.md's
 * `GET /api/v1/vulnerabilities/{id}` (minus `images`, which the API adds for what the caller may read).
 */
import { RATING_ORDER, ratingFromScore, type AffectedRange, type AffectedStatus, type Cvss, type Reference } from './advisory.js';
import { bestCvss } from './cvss.js';
import type { VulnDb } from './vulndb-store.js';

export interface VulnerabilityView {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly summary?: string;
  readonly details?: string;
  /** critical | high | medium | low | negligible | unknown (from CVSS first, then the sources' ratings). */
  readonly severity: string;
  readonly cvss?: Cvss;
  readonly published?: string;
  readonly modified?: string;
  /** Set when every record of it was withdrawn. */
  readonly withdrawn?: string;
  readonly affected: readonly {
    readonly source: string;
    readonly recordId: string;
    readonly ecosystem: string;
    readonly package: string;
    readonly status: AffectedStatus;
    readonly ranges: readonly AffectedRange[];
    readonly versions: readonly string[];
  }[];
  readonly references: readonly Reference[];
  readonly knownExploited?: { readonly dateAdded: string };
  readonly epss?: { readonly score: number; readonly percentile?: number };
  readonly sources: readonly string[];
}

const SOURCE_ORDER = ['osv', 'debian', 'alpine'];

export async function describeVulnerability(db: VulnDb, idOrAlias: string): Promise<VulnerabilityView | undefined> {
  const v = await db.getVulnerability(idOrAlias);
  if (!v) return undefined;
  const records = [...v.records].sort((a, b) => SOURCE_ORDER.indexOf(a.source) - SOURCE_ORDER.indexOf(b.source));
  const live = records.filter((r) => r.advisory.withdrawn === undefined);
  const first = <T>(pick: (a: (typeof records)[number]['advisory']) => T | undefined): T | undefined => {
    for (const r of live.length > 0 ? live : records) {
      const x = pick(r.advisory);
      if (x !== undefined && x !== '') return x;
    }
    return undefined;
  };
  const cvss = bestCvss([...records.flatMap((r) => r.advisory.severity?.cvss ?? []), ...(v.metrics?.cvss ? [v.metrics.cvss] : [])]);
  const ratings = records.map((r) => r.advisory.severity?.rating).filter((r): r is string => r !== undefined && Object.hasOwn(RATING_ORDER, r));
  const rating = cvss?.score !== undefined ? ratingFromScore(cvss.score) : (ratings.sort((a, b) => (RATING_ORDER[b] ?? 0) - (RATING_ORDER[a] ?? 0))[0] ?? v.metrics?.rating ?? 'unknown');
  const dates = (k: 'published' | 'modified') => records.map((r) => r.advisory[k]).filter((d): d is string => d !== undefined && !d.startsWith('0001-')).sort();
  const refs = new Map<string, Reference>();
  for (const r of records) for (const ref of r.advisory.references) if (!refs.has(ref.url)) refs.set(ref.url, ref);
  const summary = first((a) => a.summary);
  const details = first((a) => a.details);
  const published = dates('published')[0];
  const modified = dates('modified').at(-1);
  return {
    id: v.id,
    aliases: v.aliases,
    ...(summary !== undefined ? { summary } : {}),
    ...(details !== undefined ? { details } : {}),
    severity: rating === 'moderate' ? 'medium' : rating === 'unimportant' ? 'negligible' : rating,
    ...(cvss ? { cvss } : {}),
    ...(published !== undefined ? { published } : {}),
    ...(modified !== undefined ? { modified } : {}),
    ...(live.length === 0 ? { withdrawn: records.map((r) => r.advisory.withdrawn ?? '').sort()[0] ?? '' } : {}),
    affected: live.flatMap((r) =>
      r.advisory.affected.map((a) => ({ source: r.source, recordId: r.advisory.id, ecosystem: a.ecosystem, package: a.name, status: a.status, ranges: a.ranges, versions: a.versions })),
    ),
    references: [...refs.values()],
    ...(v.metrics?.kevDateAdded !== undefined ? { knownExploited: { dateAdded: v.metrics.kevDateAdded } } : {}),
    ...(v.metrics?.epssScore !== undefined ? { epss: { score: v.metrics.epssScore, ...(v.metrics.epssPercentile !== undefined ? { percentile: v.metrics.epssPercentile } : {}) } } : {}),
    sources: [...new Set(records.map((r) => r.source))],
  };
}
