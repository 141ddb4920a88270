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
import type { MatchRow, VulnDb, VulnInfo } from '../vulndb-store.js';
import type { Finding, FindingStatus } from './finding.js';
import { evaluatePrepared, listedInJsonText, prepareRanges, type Compare, type PreparedRange, type RangeOrder } from './osv-ranges.js';

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

/** An affected row with its ranges parsed on first use (kept for the data revision). */
interface PreparedRow {
  readonly row: MatchRow;
  ranges?: PreparedRange[];
  versions?: readonly string[];
}

/** A package key's rows of one canonical vulnerability. */
interface VulnGroup {
  readonly vuln: string;
  readonly rows: PreparedRow[];
  /** The distro's own rows (for distro packages); computed on first use. */
  own?: PreparedRow[];
  /** Sorted unique fixed versions of `rows` / of `own`: they do not depend on the installed version. */
  fixedAll?: string[];
  fixedOwn?: string[];
}

/** A version scheme's memoized comparisons. */
interface SchemeOrder {
  readonly compare: Compare;
  /** `compare(installed, v)` for one installed version. */
  readonly against: (installed: string) => (v: string) => -1 | 0 | 1;
}

interface MatchCache {
  readonly revision: number;
  /** Rows per (ecosystem, name) key, grouped by canonical vulnerability id; an empty list when none. */
  readonly groups: Map<string, VulnGroup[]>;
  readonly info: Map<string, VulnInfo>;
  /** Outcome per (key, version, distro flag): the same package version in many images is evaluated once per revision. */
  readonly evaluated: Map<string, Evaluated[]>;
  /** Memoized orders per version scheme. */
  readonly comparators: Map<string, SchemeOrder>;
  /**
   * Parsed ranges per ecosystem and ranges text: re-published copies of an advisory (GO-… and GHSA-…)
   * carry identical ranges, which are then parsed and sorted once.
   */
  readonly ranges: Map<string, Map<string, PreparedRange[]>>;
  size: number;
}

function emptyCache(revision: number): MatchCache {
  return { revision, groups: new Map(), info: new Map(), evaluated: new Map(), comparators: new Map(), ranges: new Map(), size: 0 };
}

interface Evaluated {
  readonly vuln: string;
  readonly m: { row: MatchRow; status: FindingStatus; hit: Finding['range']; fixed: string[]; upgrade?: string };
  /** The finding without its package, built once per revision (shared by every package it applies to). */
  body?: Omit<Finding, 'package'>;
}

const keyOf = (ecosystem: string, name: string) => `${ecosystem}\u0000${name}`;

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function rangesOf(p: PreparedRow, ecosystem: string, cache: MatchCache): PreparedRange[] {
  if (p.ranges !== undefined) return p.ranges;
  let byText = cache.ranges.get(ecosystem);
  if (!byText) cache.ranges.set(ecosystem, (byText = new Map()));
  let ranges = byText.get(p.row.ranges);
  if (!ranges) byText.set(p.row.ranges, (ranges = prepareRanges(parseJson<AffectedRange[]>(p.row.ranges, []))));
  return (p.ranges = ranges);
}

/** Whether a row's `versions` list holds one of the candidates (parsed only when its text has escapes). */
function listed(p: PreparedRow, candidates: readonly string[]): boolean {
  const text = p.row.versions;
  if (text === '[]') return false;
  let unsure = false;
  for (const c of candidates) {
    const found = listedInJsonText(text, c);
    if (found === true) return true;
    if (found === undefined) unsure = true;
  }
  if (!unsure) return false;
  p.versions ??= parseJson<string[]>(text, []);
  const list = p.versions;
  return list.some((v) => candidates.includes(v));
}

/** SEMVER ranges (Go) carry versions without the "v" prefix. */
const normalizeFor = (type: AffectedRange['type'], v: string) => (type === 'SEMVER' ? v.replace(/^v(?=\d)/, '') : v);

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
  private async cached(lookups: readonly Lookup[]): Promise<MatchCache> {
    const revision = await this.db.revision();
    if (revision !== this.cache.revision || this.cache.size > MAX_CACHE_ENTRIES) {
      this.cache = emptyCache(revision);
    }
    const c = this.cache;
    const missing = new Map<string, string[]>();
    for (const l of lookups) {
      const key = keyOf(l.ecosystem, l.name);
      if (c.groups.has(key)) continue;
      c.groups.set(key, []);
      const names = missing.get(l.ecosystem);
      if (names) names.push(l.name);
      else missing.set(l.ecosystem, [l.name]);
    }
    for (const [ecosystem, names] of missing) {
      const rows = await this.db.matchRows(ecosystem, names);
      // A key's rows grouped by canonical id in first-seen order (the order the evaluation prefers
      // rows in); a key has few vulnerabilities, so a scan of its groups beats a map per key.
      let last: string | undefined;
      let groups: VulnGroup[] = [];
      for (const row of rows) {
        if (row.package !== last) {
          last = row.package;
          groups = c.groups.get(keyOf(ecosystem, last)) ?? [];
        }
        let g: VulnGroup | undefined;
        for (let i = groups.length - 1; i >= 0 && g === undefined; i--) if ((groups[i] as VulnGroup).vuln === row.canonicalId) g = groups[i];
        if (!g) groups.push((g = { vuln: row.canonicalId, rows: [] }));
        g.rows.push({ row });
      }
      c.size += names.length + rows.length;
    }
    return c;
  }

  async match(packages: readonly Package[], distro?: Distro): Promise<Finding[]> {
    const lookups = await this.withMavenGroups(packages.map((p) => lookupKey(p, distro)).filter((l): l is Lookup => l !== undefined));
    const cache = await this.cached(lookups);
    const pending: { lookup: Lookup; e: Evaluated }[] = [];
    // Identical (ecosystem, name, version) packages (the same library in several places, or in many
    // images) are evaluated once per data revision.
    const evaluated = cache.evaluated;
    for (const lookup of lookups) {
      const key = keyOf(lookup.ecosystem, lookup.name);
      const groups = cache.groups.get(key);
      if (!groups || groups.length === 0) continue;
      const memoKey = `${key}\u0000${lookup.version}\u0000${lookup.distro ? 1 : 0}`;
      const memo = evaluated.get(memoKey);
      if (memo) {
        for (const e of memo) pending.push({ lookup, e });
        continue;
      }
      const results: Evaluated[] = [];
      evaluated.set(memoKey, results);
      cache.size++;
      const orderFor = this.ordersFor(lookup, cache);
      for (const g of groups) {
        const m = this.evaluateVuln(lookup, g, orderFor, cache);
        if (m) {
          const e: Evaluated = { vuln: g.vuln, m };
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
    const m = e.m;
    const row = m.row;
    const advisoryCvss = i?.severity?.cvss ?? [];
    const nvd = i?.metrics?.cvss;
    const cvss = bestCvss(nvd ? [...advisoryCvss, nvd] : advisoryCvss);
    const severity = pickSeverity(DISTRO_SOURCES.has(row.source) || lookup.distro ? row.severity : null, i?.severity?.rating, advisoryCvss, nvd, i?.metrics?.rating);
    // The store's alias lists are sorted and unique, and hold the record's own id unless it is the canonical one.
    const known = i?.aliases ?? [];
    const aliases = row.vulnId === e.vuln || known.includes(row.vulnId) ? known : [...new Set([...known, row.vulnId])].sort();
    const metrics = i?.metrics;
    return {
      id: e.vuln,
      aliases,
      ...(i?.summary !== undefined ? { summary: i.summary } : {}),
      severity,
      ...(cvss ? { cvss } : {}),
      status: m.status,
      range: m.hit,
      fixedVersions: m.fixed,
      ...(m.upgrade !== undefined ? { fixedVersion: m.upgrade } : {}),
      source: row.source,
      sourceId: row.vulnId,
      ecosystem: lookup.ecosystem,
      matchedName: lookup.name,
      ...(metrics?.kevDateAdded !== undefined ? { knownExploited: { dateAdded: metrics.kevDateAdded } } : {}),
      ...(metrics?.epssScore !== undefined ? { epss: { score: metrics.epssScore, ...(metrics.epssPercentile !== undefined ? { percentile: metrics.epssPercentile } : {}) } } : {}),
    };
  }

  /** The orders of the scheme of (ecosystem, range type), one per scheme for the cache's lifetime. */
  private schemeOrder(ecosystem: string, type: AffectedRange['type'], cache: MatchCache): SchemeOrder | undefined {
    const scheme = type === 'SEMVER' ? 'semver' : this.deps.schemeFor(ecosystem);
    if (scheme === undefined) return undefined;
    let order = cache.comparators.get(scheme);
    if (order === undefined) {
      const schemeCompare = this.deps.compare;
      // Sorting events and fixed versions meets the same pairs across advisories: memoized per pair.
      const pairs = new Map<string, -1 | 0 | 1>();
      const compare: Compare = (a, b) => {
        const k = `${a}\u0000${b}`;
        let r = pairs.get(k);
        if (r === undefined) {
          if (pairs.size >= MAX_CACHE_ENTRIES) pairs.clear();
          pairs.set(k, (r = schemeCompare(scheme, a, b)));
        }
        return r;
      };
      // An installed version meets the same event versions in copies of an advisory and in other
      // packages at that version: memoized per installed version (few), no key strings built.
      const installed = new Map<string, Map<string, -1 | 0 | 1>>();
      const against = (version: string) => {
        let memo = installed.get(version);
        if (memo === undefined) {
          if (installed.size >= MAX_CACHE_ENTRIES) installed.clear();
          installed.set(version, (memo = new Map()));
        }
        const m = memo;
        return (v: string) => {
          let r = m.get(v);
          if (r === undefined) m.set(v, (r = schemeCompare(scheme, version, v)));
          return r;
        };
      };
      cache.comparators.set(scheme, (order = { compare, against }));
    }
    return order;
  }

  /** Range orders for one package version: `against` compares the installed version with an event version. */
  private ordersFor(lookup: Lookup, cache: MatchCache): (type: AffectedRange['type']) => RangeOrder | undefined {
    let semver: RangeOrder | null | undefined;
    let ecosystem: RangeOrder | null | undefined;
    const make = (type: AffectedRange['type']): RangeOrder | null => {
      const order = this.schemeOrder(lookup.ecosystem, type, cache);
      return order === undefined ? null : { compare: order.compare, against: order.against(normalizeFor(type, lookup.version)) };
    };
    return (type) => {
      if (type === 'SEMVER') return (semver ??= make(type)) ?? undefined;
      return (ecosystem ??= make(type)) ?? undefined;
    };
  }

  private evaluateVuln(lookup: Lookup, group: VulnGroup, orderFor: (type: AffectedRange['type']) => RangeOrder | undefined, cache: MatchCache): { row: MatchRow; status: FindingStatus; hit: Finding['range']; fixed: string[]; upgrade?: string } | undefined {
    // The distro's own verdict wins over re-published copies (e.g. OSV's Debian DSA records).
    const own = lookup.distro ? (group.own ??= group.rows.filter((r) => DISTRO_SOURCES.has(r.row.source))) : [];
    const useOwn = own.length > 0;
    const use = useOwn ? own : group.rows;
    if (use.some((r) => r.row.status === 'not-affected')) return undefined;
    let match: { row: MatchRow; hit: Finding['range'] } | undefined;
    for (const p of use) {
      const e = evaluatePrepared(rangesOf(p, lookup.ecosystem, cache), (candidates) => listed(p, candidates), lookup.version, orderFor, normalizeFor);
      if (e.affected) {
        match = { row: p.row, hit: e.hit ?? {} };
        break;
      }
    }
    if (!match) return undefined;
    const ecoCompare = this.schemeOrder(lookup.ecosystem, 'ECOSYSTEM', cache)?.compare;
    const cmp = (a: string, b: string): number => {
      try {
        return ecoCompare ? ecoCompare(a, b) : a < b ? -1 : a > b ? 1 : 0;
      } catch {
        return a < b ? -1 : a > b ? 1 : 0;
      }
    };
    let uniqueFixed = useOwn ? group.fixedOwn : group.fixedAll;
    if (uniqueFixed === undefined) {
      const fixed: string[] = [];
      for (const p of use) for (const { range: r } of rangesOf(p, lookup.ecosystem, cache)) if (r.type !== 'GIT') for (const ev of r.events) if ('fixed' in ev) fixed.push(ev.fixed);
      uniqueFixed = [...new Set(fixed)].sort(cmp);
      if (useOwn) group.fixedOwn = uniqueFixed;
      else group.fixedAll = uniqueFixed;
    }
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
