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
import { RATING_ORDER, ratingFromScore, type AffectedRange, type Cvss, type Severity } from '../advisory.js';
import { bestCvss } from '../cvss.js';
import { ecosystemForType, isDistroType, normalizeEcosystem, normalizePackageName } from '../names.js';
import { decodeRanges, IndexRows, type IndexedInfo } from '../match-index.js';
import type { VulnDb, VulnInfo } from '../vulndb-store.js';
import type { Finding, FindingStatus } from './finding.js';
import { evaluatePrepared, listedInJsonText, type Compare, type PreparedRange, type RangeHit, type RangeOrder } from './osv-ranges.js';

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

/** The affected row a finding came from, as findings report it. */
interface MatchedRow {
  readonly source: string;
  readonly vulnId: string;
  readonly status: string;
  readonly severity: string | null;
}

interface Outcome {
  readonly row: MatchedRow;
  readonly status: FindingStatus;
  readonly hit: Finding['range'];
  readonly fixed: string[];
  readonly upgrade?: string;
}

/** One vulnerability found for one (key, version): kept for the data revision. */
interface Evaluated {
  readonly vuln: string;
  /** The vulnerability's info as the index holds it (absent when vuln_info had no row: then read from the store). */
  readonly info: IndexedInfo | undefined;
  readonly m: Outcome;
  /** The finding without its package, built once per revision (shared by every package it applies to). */
  body?: Omit<Finding, 'package'>;
}

/**
 * A version scheme's comparisons. Not memoized per pair: the scheme keeps parsed versions, and a pair
 * memo (a map per version) was more allocation than it saved once identical ranges are evaluated once.
 */
interface SchemeOrder {
  readonly compare: Compare;
  /** `compare` with versions it cannot order placed by their text (orders fixed versions). */
  readonly lenient: (a: string, b: string) => number;
}

/**
 * What the matcher keeps for one data revision. Only compact things: the index texts and the outcomes
 * per package version. Rows and parsed ranges live for one match: kept, they survived every young-generation
 * collection of the match and were copied by each (a quarter of an empty-cache match was such copying).
 */
interface MatchCache {
  readonly revision: number;
  /** Index text per (ecosystem, name) key; null when the key has no advisories. */
  readonly docs: Map<string, string | null>;
  readonly info: Map<string, VulnInfo>;
  /** Outcome per (key, version, distro flag): the same package version in many images is evaluated once per revision. */
  readonly evaluated: Map<string, Evaluated[]>;
  /** Orders per version scheme. */
  readonly comparators: Map<string, SchemeOrder>;
  size: number;
}

function emptyCache(revision: number): MatchCache {
  return { revision, docs: new Map(), info: new Map(), evaluated: new Map(), comparators: new Map(), size: 0 };
}

/**
 * Parsed ranges of one key by ranges text: re-published copies of an advisory (GO-… and GHSA-…) carry
 * identical ranges, which are then parsed and sorted once per key, and evaluated once per version.
 */
type RangesByText = Map<string, PreparedRange[]>;

/** Per ranges text, the interval holding one installed version (null: none). */
type HitsByText = Map<string, RangeHit | null>;

const keyOf = (ecosystem: string, name: string) => `${ecosystem}\u0000${name}`;

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Whether a `versions` list (JSON text) holds one of the candidates (parsed only when its text has escapes). */
function listed(text: string, candidates: readonly string[]): boolean {
  if (text === '[]') return false;
  let unsure = false;
  for (const c of candidates) {
    const found = listedInJsonText(text, c);
    if (found === true) return true;
    if (found === undefined) unsure = true;
  }
  return unsure && parseJson<string[]>(text, []).some((v) => candidates.includes(v));
}

/** Versions without the "v" prefix: how SEMVER ranges (Go) and explicit lists often spell them. */
const withoutV = (v: string) => (v.charCodeAt(0) === 118 && /^v\d/.test(v) ? v.slice(1) : v);

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
  private async withMavenGroups(lookups: Lookup[], revision: number): Promise<Lookup[]> {
    if (!lookups.some((l) => l.ecosystem === 'Maven' && !l.name.includes(':'))) return lookups;
    if (this.mavenIndex?.revision !== revision) this.mavenIndex = { revision, byArtifact: this.db.mavenNamesByArtifact() };
    const byArtifact = await this.mavenIndex.byArtifact;
    return lookups.map((l) => {
      if (l.ecosystem !== 'Maven' || l.name.includes(':')) return l;
      const names = byArtifact.get(l.name);
      return names?.length === 1 && names[0] !== undefined ? { ...l, name: names[0] } : l;
    });
  }

  /**
   * Index texts are cached per data revision (`match` reads it once per call), so re-evaluating
   * images while the data is unchanged costs no lookups for keys already seen.
   */
  private async cached(lookups: readonly Lookup[], revision: number): Promise<MatchCache> {
    if (revision !== this.cache.revision || this.cache.size > MAX_CACHE_ENTRIES) {
      this.cache = emptyCache(revision);
    }
    const c = this.cache;
    const missing = new Map<string, string[]>();
    for (const l of lookups) {
      const key = keyOf(l.ecosystem, l.name);
      if (c.docs.has(key)) continue;
      c.docs.set(key, null);
      c.size++;
      const names = missing.get(l.ecosystem);
      if (names) names.push(l.name);
      else missing.set(l.ecosystem, [l.name]);
    }
    for (const [ecosystem, names] of missing) {
      for (const r of await this.db.matchIndex(ecosystem, names)) {
        c.docs.set(keyOf(ecosystem, r.package), r.affected);
        // Counted by size too, so the texts kept stay within ~64 MB of characters (500,000 × 128).
        c.size += r.affected.length >> 7;
      }
    }
    return c;
  }

  async match(packages: readonly Package[], distro?: Distro): Promise<Finding[]> {
    const revision = await this.db.revision();
    const lookups = await this.withMavenGroups(
      packages.map((p) => lookupKey(p, distro)).filter((l): l is Lookup => l !== undefined),
      revision,
    );
    const cache = await this.cached(lookups, revision);
    // Identical (ecosystem, name, version) packages (the same library in several places, or in many
    // images) are evaluated once per data revision.
    const evaluated = cache.evaluated;
    // Per lookup, its outcome's memo key; undefined for packages without advisories (most of them).
    const memoKeys: (string | undefined)[] = [];
    // The versions of each key still to evaluate: a key's rows are decoded once and dropped before the
    // next key's, so they never outlive a young-generation collection.
    const todo = new Map<string, number[]>();
    for (const [i, l] of lookups.entries()) {
      const key = keyOf(l.ecosystem, l.name);
      if (!cache.docs.get(key)) {
        memoKeys.push(undefined);
        continue;
      }
      const memoKey = `${key}\u0000${l.version}\u0000${l.distro ? 1 : 0}`;
      memoKeys.push(memoKey);
      if (evaluated.has(memoKey)) continue;
      const list = todo.get(key);
      if (list) list.push(i);
      else todo.set(key, [i]);
    }
    for (const [key, indexes] of todo) {
      const rows = new IndexRows((lookups[indexes[0] as number] as Lookup).name, cache.docs.get(key) as string);
      const ranges: RangesByText = new Map();
      for (const i of indexes) {
        const memoKey = memoKeys[i] as string;
        if (evaluated.has(memoKey)) continue;
        evaluated.set(memoKey, this.evaluateKey(lookups[i] as Lookup, rows, ranges, cache));
        cache.size++;
      }
    }
    const pending: { lookup: Lookup; e: Evaluated }[] = [];
    for (const [i, lookup] of lookups.entries()) {
      const memoKey = memoKeys[i];
      if (memoKey !== undefined) for (const e of evaluated.get(memoKey) ?? []) pending.push({ lookup, e });
    }
    await this.addInfo(pending, cache.info);
    const info = cache.info;
    return pending.map(({ lookup, e }) => {
      if (e.body === undefined) e.body = this.body(lookup, e, info.get(e.vuln));
      return { ...e.body, package: lookup.pkg };
    });
  }

  /** The vulnerabilities affecting one package version, from its key's rows (a vulnerability's rows are consecutive). */
  private evaluateKey(lookup: Lookup, rows: IndexRows, ranges: RangesByText, cache: MatchCache): Evaluated[] {
    const results: Evaluated[] = [];
    const orderFor = this.ordersFor(lookup, cache);
    const candidates = [...new Set([lookup.version, withoutV(lookup.version)])];
    const hits: HitsByText = new Map();
    for (let start = 0; start < rows.length; ) {
      let end = start + 1;
      while (end < rows.length && rows.sameVulnerability(start, end)) end++;
      const m = this.evaluateVuln(lookup, rows, start, end, candidates, orderFor, ranges, hits, cache);
      if (m) results.push({ vuln: rows.canonicalId(start), info: rows.info(start), m });
      start = end;
    }
    return results;
  }

  /**
   * Info of the vulnerabilities of these outcomes that have no finding body yet: from the index's
   * copy with the CVE metrics read alongside, else (a vulnerability vuln_info lacks) from the store.
   */
  private async addInfo(pending: readonly { readonly e: Evaluated }[], info: Map<string, VulnInfo>): Promise<void> {
    const indexed = new Map<string, IndexedInfo>();
    const unindexed = new Set<string>();
    for (const { e } of pending) {
      if (e.body !== undefined || info.has(e.vuln)) continue;
      if (e.info !== undefined) indexed.set(e.vuln, e.info);
      else unindexed.add(e.vuln);
    }
    const cves = [...indexed.keys()].filter((id) => id.startsWith('CVE-'));
    const metrics = cves.length > 0 ? await this.db.cveMetrics(cves) : undefined;
    for (const [id, i] of indexed) {
      info.set(id, {
        id,
        aliases: JSON.parse(i.aliases) as string[],
        ...(i.summary !== null ? { summary: i.summary } : {}),
        severity: i.severity === null ? undefined : (JSON.parse(i.severity) as Severity),
        metrics: metrics?.get(id),
      });
    }
    if (unindexed.size > 0) for (const [id, v] of await this.db.vulnInfo([...unindexed])) info.set(id, v);
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
    // Built property by property in the order reports serialize them (no temporary objects per optional field).
    const f: { -readonly [K in keyof Finding]?: Finding[K] } = { id: e.vuln, aliases };
    if (i?.summary !== undefined) f.summary = i.summary;
    f.severity = severity;
    if (cvss) f.cvss = cvss;
    f.status = m.status;
    f.range = m.hit;
    f.fixedVersions = m.fixed;
    if (m.upgrade !== undefined) f.fixedVersion = m.upgrade;
    f.source = row.source;
    f.sourceId = row.vulnId;
    f.ecosystem = lookup.ecosystem;
    f.matchedName = lookup.name;
    if (metrics?.kevDateAdded !== undefined) f.knownExploited = { dateAdded: metrics.kevDateAdded };
    if (metrics?.epssScore !== undefined) f.epss = metrics.epssPercentile !== undefined ? { score: metrics.epssScore, percentile: metrics.epssPercentile } : { score: metrics.epssScore };
    return f as Omit<Finding, 'package'>;
  }

  /** The orders of the scheme of (ecosystem, range type), one per scheme for the cache's lifetime. */
  private schemeOrder(ecosystem: string, type: AffectedRange['type'], cache: MatchCache): SchemeOrder | undefined {
    const scheme = type === 'SEMVER' ? 'semver' : this.deps.schemeFor(ecosystem);
    if (scheme === undefined) return undefined;
    let order = cache.comparators.get(scheme);
    if (order === undefined) {
      const schemeCompare = this.deps.compare;
      const compare: Compare = (a, b) => schemeCompare(scheme, a, b);
      const lenient = (a: string, b: string): number => {
        try {
          return schemeCompare(scheme, a, b);
        } catch {
          return a < b ? -1 : a > b ? 1 : 0;
        }
      };
      cache.comparators.set(scheme, (order = { compare, lenient }));
    }
    return order;
  }

  /** Range orders for one package version: `against` compares the installed version with an event version. */
  private ordersFor(lookup: Lookup, cache: MatchCache): (type: AffectedRange['type']) => RangeOrder | undefined {
    let semver: RangeOrder | null | undefined;
    let ecosystem: RangeOrder | null | undefined;
    const make = (type: AffectedRange['type']): RangeOrder | null => {
      const order = this.schemeOrder(lookup.ecosystem, type, cache);
      if (order === undefined) return null;
      const installed = type === 'SEMVER' ? withoutV(lookup.version) : lookup.version;
      const compare = order.compare;
      return { compare, against: (v) => compare(installed, v) };
    };
    return (type) => {
      if (type === 'SEMVER') return (semver ??= make(type)) ?? undefined;
      return (ecosystem ??= make(type)) ?? undefined;
    };
  }

  /** A ranges text of the key, parsed once per key. */
  private prepared(text: string, ranges: RangesByText): PreparedRange[] {
    let prepared = ranges.get(text);
    if (!prepared) ranges.set(text, (prepared = decodeRanges(text)));
    return prepared;
  }

  /** One vulnerability's outcome for one package version, from its affected rows [start, end); undefined when it does not apply. */
  private evaluateVuln(
    lookup: Lookup,
    rows: IndexRows,
    start: number,
    end: number,
    candidates: readonly string[],
    orderFor: (type: AffectedRange['type']) => RangeOrder | undefined,
    ranges: RangesByText,
    hits: HitsByText,
    cache: MatchCache,
  ): Outcome | undefined {
    // The distro's own verdict wins over re-published copies (e.g. OSV's Debian DSA records).
    let own: boolean[] | undefined;
    if (lookup.distro) {
      own = [];
      for (let i = start; i < end; i++) own.push(DISTRO_SOURCES.has(rows.source(i)));
      if (!own.includes(true)) own = undefined;
    }
    const used = (i: number) => own === undefined || own[i - start] === true;
    for (let i = start; i < end; i++) if (used(i) && rows.statusIs(i, 'not-affected')) return undefined;
    let matched = -1;
    let hit: RangeHit | null = null;
    for (let i = start; i < end && matched < 0; i++) {
      if (!used(i)) continue;
      const text = rows.rangesText(i);
      let h = hits.get(text);
      if (h === undefined) hits.set(text, (h = evaluatePrepared(this.prepared(text, ranges), orderFor) ?? null));
      if (h !== null || (rows.hasVersions(i) && listed(rows.versions(i), candidates))) {
        matched = i;
        hit = h;
      }
    }
    if (matched < 0) return undefined;
    const order = this.schemeOrder(lookup.ecosystem, 'ECOSYSTEM', cache);
    const cmp = order?.lenient ?? ((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0));
    const fixed: string[] = [];
    for (let i = start; i < end; i++) {
      if (!used(i)) continue;
      for (const r of this.prepared(rows.rangesText(i), ranges)) for (const ev of r.events) if (ev.kind === 'fixed' && !fixed.includes(ev.v)) fixed.push(ev.v);
    }
    if (fixed.length > 1) fixed.sort(cmp);
    const installed = lookup.version;
    const bare = withoutV(installed);
    const upgrade = fixed.find((f) => cmp(f, installed) > 0 || cmp(f, bare) > 0);
    const rowStatus = rows.status(matched);
    let status: FindingStatus;
    if (rowStatus === 'will-not-fix' || rowStatus === 'end-of-life') status = 'will-not-fix';
    else if (rowStatus === 'not-fixed') status = 'not-fixed';
    else status = upgrade !== undefined ? 'fixed' : 'not-fixed';
    const row = { source: rows.source(matched), vulnId: rows.vulnId(matched), status: rowStatus, severity: rows.severity(matched) };
    const outcome: { -readonly [K in keyof Outcome]: Outcome[K] } = { row, status, hit: hit ?? {}, fixed };
    if (upgrade !== undefined) outcome.upgrade = upgrade;
    return outcome;
  }
}

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
