/**
 * Matches an image's packages against the vulnerability database: one batched, indexed lookup per
 * distinct (ecosystem, name); distro packages by source package within their release ecosystem with the
 * distro's own verdicts preferred (not-affected suppresses, unfixed reports "not-fixed"); language
 * packages by ecosystem and normalized name. Versions are compared with the ecosystem's scheme, which
 * the caller supplies (crowsnest/versions in production).
 */
import type { Distro } from '../../model/distro.js';
import { compare as versionCompare, schemeForEcosystem } from '../../versions/index.js';
import type { Package } from '../../model/package.js';
import { RATING_ORDER, ratingFromScore, type AffectedRange, type Cvss } from '../advisory.js';
import { bestCvss } from '../cvss.js';
import { ecosystemForType, isDistroType, normalizeEcosystem, normalizePackageName } from '../names.js';
import type { AffectedRow, VulnDb, VulnInfo } from '../vulndb-store.js';
import type { Finding, FindingStatus } from './finding.js';
import { evaluate, type Compare } from './osv-ranges.js';

/** `(scheme, a, b)`: the shape of crowsnest/versions `compare`; throws on versions it cannot order. */
export type SchemeCompare = (scheme: string, a: string, b: string) => -1 | 0 | 1;

export interface MatcherDeps {
  readonly compare: SchemeCompare;
  /** OSV ecosystem → scheme id ("Debian:12" → "deb"), undefined when unsupported. */
  readonly schemeFor: (ecosystem: string) => string | undefined;
}

/** The real version schemes (crowsnest/versions). */
export const defaultMatcherDeps: MatcherDeps = { compare: versionCompare, schemeFor: schemeForEcosystem };

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
    const release = pkg.ecosystem ?? distro?.ecosystem;
    if (release === undefined) return undefined;
    const ecosystem = normalizeEcosystem(release);
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

const MAX_CACHE_ENTRIES = 500_000;

interface MatchCache {
  readonly revision: number;
  readonly rows: Map<string, AffectedRow[]>;
  readonly canonical: Map<string, string>;
  readonly info: Map<string, VulnInfo>;
  /** Rows of a key grouped by canonical vulnerability id, with parsed ranges and a compare memo. */
  readonly grouped: Map<string, Map<string, AffectedRow[]>>;
  /** Outcome per (key, version, distro flag): the same package version in many images is evaluated once per revision. */
  readonly evaluated: Map<string, Evaluated[]>;
  readonly ctx: EvalContext;
  size: number;
}

function emptyCache(revision: number): MatchCache {
  return { revision, rows: new Map(), canonical: new Map(), info: new Map(), grouped: new Map(), evaluated: new Map(), ctx: { parsed: new Map(), compare: new Map() }, size: 0 };
}

interface Evaluated {
  readonly vuln: string;
  readonly m: { row: AffectedRow; status: FindingStatus; hit: Finding['range']; fixed: string[]; upgrade?: string };
  /** The finding without its package, built once per revision (shared by every package it applies to). */
  body?: Omit<Finding, 'package'>;
}

interface EvalContext {
  readonly parsed: Map<AffectedRow, { ranges: AffectedRange[]; versions: string[] }>;
  readonly compare: Map<string, Map<string, -1 | 0 | 1>>;
}

const keyOf = (ecosystem: string, name: string) => `${ecosystem}\u0000${name}`;

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Bump whenever the matcher's output for the same packages and data can change (part of a findings cache key). */
export const MATCHER_VERSION = 1;

export class VulnMatcher {
  readonly version = MATCHER_VERSION;

  constructor(
    private readonly db: VulnDb,
    private readonly deps: MatcherDeps = defaultMatcherDeps,
  ) {}

  private cache: MatchCache = emptyCache(-1);
  private mavenIndex: { readonly revision: number; readonly byArtifact: Promise<Map<string, string[]>> } | undefined;

  /**
   * A jar without pom.properties has no groupId; when exactly one Maven package of the advisory data
   * has its artifactId, it is looked up under that name (an ambiguous artifactId stays unmatched).
   */
  private async withMavenGroups(lookups: Lookup[]): Promise<Lookup[]> {
    if (!lookups.some((l) => l.ecosystem === 'Maven' && !l.name.includes(':'))) return lookups;
    const revision = await this.db.revision();
    if (this.mavenIndex?.revision !== revision) this.mavenIndex = { revision, byArtifact: this.db.mavenNamesByArtifact() };
    const byArtifact = await this.mavenIndex.byArtifact;
    return lookups.map((l) => {
      if (l.ecosystem !== 'Maven' || l.name.includes(':')) return l;
      const names = byArtifact.get(l.name);
      return names?.length === 1 && names[0] !== undefined ? { ...l, name: names[0] } : l;
    });
  }

  /**
   * Database answers are cached per revision (one cheap revision query per call), so re-evaluating
   * images while the data is unchanged costs no lookups for keys already seen.
   */
  private async cached(keys: readonly string[], lookups: readonly Lookup[]): Promise<MatchCache> {
    const revision = await this.db.revision();
    if (revision !== this.cache.revision || this.cache.size > MAX_CACHE_ENTRIES) {
      this.cache = emptyCache(revision);
    }
    const c = this.cache;
    const missing = lookups.filter((l, i) => !c.rows.has(keys[i] as string));
    if (missing.length > 0) {
      for (const l of missing) c.rows.set(keyOf(l.ecosystem, l.name), []);
      const rows = await this.db.affectedFor(missing.map((l) => ({ ecosystem: l.ecosystem, name: l.name })));
      for (const r of rows) c.rows.get(keyOf(r.ecosystem, r.package))?.push(r);
      c.size += missing.length + rows.length;
      const ids = [...new Set(rows.map((r) => r.vulnId))].filter((id) => !c.canonical.has(id));
      for (const [id, canon] of await this.db.canonicalIds(ids)) c.canonical.set(id, canon);
    }
    return c;
  }

  async match(packages: readonly Package[], distro?: Distro): Promise<Finding[]> {
    const lookups = await this.withMavenGroups(packages.map((p) => lookupKey(p, distro)).filter((l): l is Lookup => l !== undefined));
    const keys = lookups.map((l) => keyOf(l.ecosystem, l.name));
    const cache = await this.cached(keys, lookups);
    const byKey = cache.rows;
    const canonical = cache.canonical;
    const pending: { lookup: Lookup; e: Evaluated }[] = [];
    const ctx = cache.ctx;
    for (const memo of ctx.compare.values()) if (memo.size > MAX_CACHE_ENTRIES) memo.clear();
    // Identical (ecosystem, name, version) packages (the same library in several places, or in many
    // images) are evaluated once per data revision.
    const evaluated = cache.evaluated;
    for (const lookup of lookups) {
      const candidates = byKey.get(keyOf(lookup.ecosystem, lookup.name));
      if (!candidates) continue;
      const memoKey = `${keyOf(lookup.ecosystem, lookup.name)}\u0000${lookup.version}\u0000${lookup.distro ? 1 : 0}`;
      const memo = evaluated.get(memoKey);
      if (memo) {
        for (const e of memo) pending.push({ lookup, e });
        continue;
      }
      const results: Evaluated[] = [];
      evaluated.set(memoKey, results);
      cache.size++;
      const groupKey = keyOf(lookup.ecosystem, lookup.name);
      let byVuln = cache.grouped.get(groupKey);
      if (!byVuln) {
        byVuln = new Map<string, AffectedRow[]>();
        for (const r of candidates) {
          const id = canonical.get(r.vulnId) ?? r.vulnId;
          const l = byVuln.get(id);
          if (l) l.push(r);
          else byVuln.set(id, [r]);
        }
        cache.grouped.set(groupKey, byVuln);
      }
      for (const [vuln, list] of byVuln) {
        const m = this.evaluateVuln(lookup, list, ctx);
        if (m) {
          const e: Evaluated = { vuln, m };
          results.push(e);
          pending.push({ lookup, e });
        }
      }
    }
    const info = cache.info;
    const unknown = [...new Set(pending.filter((p) => p.e.body === undefined).map((p) => p.e.vuln))].filter((v) => !info.has(v));
    if (unknown.length > 0) for (const [id, v] of await this.db.vulnInfo(unknown)) info.set(id, v);
    return pending.map(({ lookup, e }) => {
      if (e.body === undefined) e.body = this.body(lookup, e, info.get(e.vuln));
      return { ...e.body, package: lookup.pkg };
    });
  }

  private body(lookup: Lookup, e: Evaluated, i: VulnInfo | undefined): Omit<Finding, 'package'> {
    const p = { lookup, vuln: e.vuln, ...e.m };
    {
      const cvss = bestCvss([...(i?.severity?.cvss ?? []), ...(i?.metrics?.cvss ? [i.metrics.cvss] : [])]);
      const severity = pickSeverity(DISTRO_SOURCES.has(p.row.source) || p.lookup.distro ? p.row.severity : null, i?.severity?.rating, i?.severity?.cvss ?? [], i?.metrics?.cvss, i?.metrics?.rating);
      const f: Omit<Finding, 'package'> = {
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
      };
      return f;
    }
  }

  /** A comparator for the scheme of (ecosystem, range type), memoized for this match call. */
  private comparator(ecosystem: string, type: AffectedRange['type'], ctx: EvalContext): Compare | undefined {
    const scheme = type === 'SEMVER' ? 'semver' : this.deps.schemeFor(ecosystem);
    if (scheme === undefined) return undefined;
    let memo = ctx.compare.get(scheme);
    if (!memo) ctx.compare.set(scheme, (memo = new Map()));
    const cache = memo;
    return (a, b) => {
      const k = `${a}\u0000${b}`;
      let r = cache.get(k);
      if (r === undefined) {
        r = this.deps.compare(scheme, a, b);
        cache.set(k, r);
      }
      return r;
    };
  }

  private evaluateVuln(lookup: Lookup, rows: readonly AffectedRow[], ctx: EvalContext): { row: AffectedRow; status: FindingStatus; hit: Finding['range']; fixed: string[]; upgrade?: string } | undefined {
    // The distro's own verdict wins over re-published copies (e.g. OSV's Debian DSA records).
    const own = lookup.distro ? rows.filter((r) => DISTRO_SOURCES.has(r.source)) : [];
    const use = own.length > 0 ? own : rows;
    if (use.some((r) => r.status === 'not-affected')) return undefined;
    const compareFor = (type: AffectedRange['type']) => this.comparator(lookup.ecosystem, type, ctx);
    // SEMVER ranges (Go) carry versions without the "v" prefix.
    const normalize = (type: AffectedRange['type'], v: string) => (type === 'SEMVER' ? v.replace(/^v(?=\d)/, '') : v);
    const fixed: string[] = [];
    let match: { row: AffectedRow; hit: Finding['range'] } | undefined;
    for (const row of use) {
      let parsed = ctx.parsed.get(row);
      if (!parsed) ctx.parsed.set(row, (parsed = { ranges: parseJson<AffectedRange[]>(row.ranges, []), versions: parseJson<string[]>(row.versions, []) }));
      const { ranges, versions } = parsed;
      const e = evaluate(ranges, versions, lookup.version, compareFor, normalize);
      for (const r of ranges) for (const ev of r.events) if ('fixed' in ev && r.type !== 'GIT') fixed.push(ev.fixed);
      if (e.affected && match === undefined) match = { row, hit: e.hit ?? {} };
    }
    if (!match) return undefined;
    const ecoCompare = this.comparator(lookup.ecosystem, 'ECOSYSTEM', ctx);
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
