/**
 * Matches an image's packages against the vulnerability database: one batched, indexed lookup per
 * distinct (ecosystem, name); distro packages by source package within their release ecosystem with the
 * distro's own verdicts preferred (not-affected suppresses, unfixed reports "not-fixed"); language
 * packages by ecosystem and normalized name. Versions are compared with the ecosystem's scheme, which
 * the caller supplies (crowsnest/versions in production).
 */
import type { Distro } from '../../model/distro.js';
import type { Package } from '../../model/package.js';
import { RATING_ORDER, ratingFromScore, type AffectedRange, type Cvss } from '../advisory.js';
import { bestCvss } from '../cvss.js';
import { ecosystemForType, isDistroType, normalizePackageName } from '../names.js';
import type { AffectedRow, VulnDb } from '../vulndb-store.js';
import type { Finding, FindingStatus } from './finding.js';
import { evaluate, type Compare } from './osv-ranges.js';

/** `(scheme, a, b)`: the shape of crowsnest/versions `compare`; throws on versions it cannot order. */
export type SchemeCompare = (scheme: string, a: string, b: string) => -1 | 0 | 1;

export interface MatcherDeps {
  readonly compare: SchemeCompare;
  /** OSV ecosystem → scheme id ("Debian:12" → "deb"), undefined when unsupported. */
  readonly schemeFor: (ecosystem: string) => string | undefined;
}

/** Sources that are a distro's own data, preferred over re-published copies for that distro's packages. */
const DISTRO_SOURCES = new Set(['debian', 'alpine']);

interface Lookup {
  readonly ecosystem: string;
  readonly name: string;
  readonly version: string;
  readonly distro: boolean;
  readonly pkg: Package;
}

/** Where and under which name a package is looked up; undefined when it has no ecosystem. */
export function lookupKey(pkg: Package, distro: Distro | undefined): Lookup | undefined {
  if (isDistroType(pkg.type)) {
    const ecosystem = pkg.ecosystem ?? distro?.ecosystem;
    if (ecosystem === undefined) return undefined;
    // Distro advisories are about source packages and their (source) versions.
    return { ecosystem, name: pkg.source?.name ?? pkg.name, version: pkg.source?.version ?? pkg.version, distro: true, pkg };
  }
  const ecosystem = pkg.ecosystem ?? ecosystemForType(pkg.type);
  if (ecosystem === undefined) return undefined;
  let version = pkg.version;
  // Go's toolchain pseudo-module: "go1.21.3" in binaries, "1.21.3" in advisories.
  if (ecosystem === 'Go' && (pkg.name === 'stdlib' || pkg.name === 'toolchain')) version = version.replace(/^go/, '');
  return { ecosystem, name: normalizePackageName(ecosystem, pkg.name), version, distro: false, pkg };
}

const keyOf = (ecosystem: string, name: string) => `${ecosystem}\u0000${name}`;

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export class VulnMatcher {
  constructor(
    private readonly db: VulnDb,
    private readonly deps: MatcherDeps,
  ) {}

  async match(packages: readonly Package[], distro?: Distro): Promise<Finding[]> {
    const lookups = packages.map((p) => lookupKey(p, distro)).filter((l): l is Lookup => l !== undefined);
    const rows = await this.db.affectedFor(lookups.map((l) => ({ ecosystem: l.ecosystem, name: l.name })));
    const byKey = new Map<string, AffectedRow[]>();
    for (const r of rows) {
      const k = keyOf(r.ecosystem, r.package);
      const l = byKey.get(k);
      if (l) l.push(r);
      else byKey.set(k, [r]);
    }
    const canonical = await this.db.canonicalIds([...new Set(rows.map((r) => r.vulnId))]);
    const pending: { lookup: Lookup; vuln: string; row: AffectedRow; status: FindingStatus; hit: Finding['range']; fixed: string[]; upgrade?: string }[] = [];
    for (const lookup of lookups) {
      const candidates = byKey.get(keyOf(lookup.ecosystem, lookup.name));
      if (!candidates) continue;
      const byVuln = new Map<string, AffectedRow[]>();
      for (const r of candidates) {
        const id = canonical.get(r.vulnId) ?? r.vulnId;
        const l = byVuln.get(id);
        if (l) l.push(r);
        else byVuln.set(id, [r]);
      }
      for (const [vuln, list] of byVuln) {
        const m = this.evaluateVuln(lookup, list);
        if (m) pending.push({ lookup, vuln, ...m });
      }
    }
    const info = await this.db.vulnInfo([...new Set(pending.map((p) => p.vuln))]);
    return pending.map((p) => {
      const i = info.get(p.vuln);
      const cvss = bestCvss([...(i?.severity?.cvss ?? []), ...(i?.metrics?.cvss ? [i.metrics.cvss] : [])]);
      const severity = pickSeverity(DISTRO_SOURCES.has(p.row.source) || p.lookup.distro ? p.row.severity : null, i?.severity?.rating, i?.severity?.cvss ?? [], i?.metrics?.cvss, i?.metrics?.rating);
      const f: Finding = {
        id: p.vuln,
        aliases: [...new Set([...(i?.aliases ?? []), ...(p.row.vulnId !== p.vuln ? [p.row.vulnId] : [])])].sort(),
        ...(i?.summary !== undefined ? { summary: i.summary } : {}),
        severity,
        ...(cvss ? { cvss } : {}),
        status: p.status,
        range: p.hit,
        fixedVersions: p.fixed,
        ...(p.upgrade !== undefined ? { fixedVersion: p.upgrade } : {}),
        source: p.row.source,
        sourceId: p.row.vulnId,
        ecosystem: p.lookup.ecosystem,
        matchedName: p.lookup.name,
        ...(i?.metrics?.kevDateAdded !== undefined ? { knownExploited: { dateAdded: i.metrics.kevDateAdded } } : {}),
        ...(i?.metrics?.epssScore !== undefined ? { epss: { score: i.metrics.epssScore, ...(i.metrics.epssPercentile !== undefined ? { percentile: i.metrics.epssPercentile } : {}) } } : {}),
        package: p.lookup.pkg,
      };
      return f;
    });
  }

  private comparator(ecosystem: string, type: AffectedRange['type']): Compare | undefined {
    const scheme = type === 'SEMVER' ? 'semver' : this.deps.schemeFor(ecosystem);
    if (scheme === undefined) return undefined;
    return (a, b) => this.deps.compare(scheme, a, b);
  }

  private evaluateVuln(lookup: Lookup, rows: readonly AffectedRow[]): { row: AffectedRow; status: FindingStatus; hit: Finding['range']; fixed: string[]; upgrade?: string } | undefined {
    // The distro's own verdict wins over re-published copies (e.g. OSV's Debian DSA records).
    const own = lookup.distro ? rows.filter((r) => DISTRO_SOURCES.has(r.source)) : [];
    const use = own.length > 0 ? own : rows;
    if (use.some((r) => r.status === 'not-affected')) return undefined;
    const compareFor = (type: AffectedRange['type']) => this.comparator(lookup.ecosystem, type);
    // SEMVER ranges (Go) carry versions without the "v" prefix.
    const normalize = (type: AffectedRange['type'], v: string) => (type === 'SEMVER' ? v.replace(/^v(?=\d)/, '') : v);
    const fixed: string[] = [];
    let match: { row: AffectedRow; hit: Finding['range'] } | undefined;
    for (const row of use) {
      const ranges = parseJson<AffectedRange[]>(row.ranges, []);
      const versions = parseJson<string[]>(row.versions, []);
      const e = evaluate(ranges, versions, lookup.version, compareFor, normalize);
      for (const r of ranges) for (const ev of r.events) if ('fixed' in ev && r.type !== 'GIT') fixed.push(ev.fixed);
      if (e.affected && match === undefined) match = { row, hit: e.hit ?? {} };
    }
    if (!match) return undefined;
    const ecoCompare = this.comparator(lookup.ecosystem, 'ECOSYSTEM');
    const cmp = (a: string, b: string): number => {
      try {
        return ecoCompare ? ecoCompare(a, b) : a < b ? -1 : a > b ? 1 : 0;
      } catch {
        return a < b ? -1 : a > b ? 1 : 0;
      }
    };
    const uniqueFixed = [...new Set(fixed)].sort(cmp);
    const installed = lookup.version;
    const upgrade = uniqueFixed.find((f) => {
      try {
        return cmp(f, installed) > 0 || cmp(f, normalizeV(installed)) > 0;
      } catch {
        return false;
      }
    });
    let status: FindingStatus;
    if (match.row.status === 'will-not-fix' || match.row.status === 'end-of-life') status = 'will-not-fix';
    else if (match.row.status === 'not-fixed') status = 'not-fixed';
    else status = upgrade !== undefined ? 'fixed' : 'not-fixed';
    return { row: match.row, status, hit: match.hit, fixed: uniqueFixed, ...(upgrade !== undefined ? { upgrade } : {}) };
  }
}

const normalizeV = (v: string) => v.replace(/^v(?=\d)/, '');

function pickSeverity(distroRating: string | null, advisoryRating: string | undefined, cvss: readonly Cvss[], nvd: Cvss | undefined, nvdRating: string | undefined): string {
  const known = (r: string | null | undefined): r is string => r !== null && r !== undefined && Object.hasOwn(RATING_ORDER, r) && r !== 'unknown';
  const norm = (r: string) => (r === 'moderate' ? 'medium' : r === 'unimportant' ? 'negligible' : r);
  if (known(distroRating)) return norm(distroRating);
  if (known(advisoryRating)) return norm(advisoryRating);
  const best = bestCvss(cvss.filter((c) => c.score !== undefined));
  if (best?.score !== undefined) return ratingFromScore(best.score);
  if (nvd?.score !== undefined) return ratingFromScore(nvd.score);
  if (known(nvdRating)) return norm(nvdRating);
  return 'unknown';
}
