/**
 * Matches analyzed images against the vulnerability data and keeps the outcome per repository and
 * image (manifest + platform): one row per finding (package purl + advisory, with the time it first
 * applied) and the severity summary the tags list shows; the report the API serves is assembled on
 * read from the stored SBOM and those rows. Every evaluation that changes the findings is recorded as
 * a history event (the tag timeline), and a re-evaluation that changed anything is announced on
 * ImageEvents (webhooks). Writes are batched (one transaction per chunk of evaluations), and a data
 * change that touched a few package keys patches only those keys' findings (`patchKeys`).
 */
import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Kysely } from 'kysely';
import { defaultAnalysis } from '../analysis/api/analyzed-image.js';
import type { VulnerabilitySummaryProvider } from '../analysis/api/analysis-routes.js';
import type { SbomStore } from '../analysis/store/sbom-store.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { Package, PackageType } from '../model/package.js';
import type { ImageSbom } from '../model/sbom.js';
import { emptySummary, reportSeverity, severityRank, type ReportSeverity, type SeveritySummary } from '../reports/severity.js';
import { addVulnerability, assembleReport, packageKey, toVulnerability, type ReportVulnerability, type VulnerabilityReport } from '../reports/vulnerability-report.js';
import type { Finding } from '../vulndb/match/finding.js';
import { isDistroType } from '../vulndb/names.js';
import { lookupKey, VulnMatcher } from '../vulndb/match/matcher.js';
import type { VulnDb } from '../vulndb/vulndb-store.js';
import type { FindingChange, FindingRef, ImageEvents } from './image-events.js';

/** A finding as stored with an evaluation: enough to diff the next one and to say since when it applies. */
export interface StoredFinding extends FindingRef {
  readonly fixed: boolean;
  readonly since: string;
}

export interface EvaluationDiff {
  readonly added: readonly FindingRef[];
  readonly removed: readonly FindingRef[];
  readonly changed: readonly FindingChange[];
}

export interface TimelineEntry extends EvaluationDiff {
  readonly at: string;
  readonly revision: number;
  readonly kind: 'analysis' | 'reevaluation';
  readonly summary: SeveritySummary;
}

export interface Matched {
  readonly sbom: ImageSbom;
  readonly findings: readonly Finding[];
  readonly revision: number;
  readonly updatedAt: string | undefined;
}

/** A (package key) the vulnerability data changed for. */
export interface PackageKeyRef {
  readonly ecosystem: string;
  readonly package: string;
}

/** One stored finding row; JSON columns stay strings until a diff or a report needs them. */
interface Row {
  readonly purl: string;
  readonly vulnId: string;
  readonly ecosystem: string | null;
  readonly name: string | null;
  readonly severity: ReportSeverity;
  readonly fixed: boolean;
  readonly since: string;
  /** finding_details.hash of the two JSON documents below. */
  readonly detail: string;
  readonly packageJson: string;
  readonly vulnerabilityJson: string;
}

interface NewRow extends Omit<Row, 'since'> {
  /** 64-bit hash of the row's match outcome as two 32-bit halves. */
  readonly hash: readonly [number, number];
  /** The finding as history events and notifications show it (built with the row, not parsed back). */
  readonly ref: FindingRef;
}

/** FNV-1a over the string with two seeds: a cheap 64-bit content hash (no cryptographic need). */
function hash64(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return [a >>> 0, b >>> 0];
}

function hashOf(r: Omit<Row, 'since'>): [number, number] {
  return hash64(`${r.purl}\u0000${r.vulnId}\u0000${r.ecosystem ?? ''}\u0000${r.name ?? ''}\u0000${r.severity}\u0000${r.fixed ? 1 : 0}\u0000${r.detail}`);
}

const fingerprintText = (f: readonly [number, number]) => f[0].toString(16).padStart(8, '0') + f[1].toString(16).padStart(8, '0');

function parseFingerprint(text: string | null): [number, number] | undefined {
  if (text === null || !/^[0-9a-f]{16}$/.test(text)) return undefined;
  return [parseInt(text.slice(0, 8), 16), parseInt(text.slice(8), 16)];
}

function xorInto(acc: [number, number], h: readonly [number, number]): void {
  acc[0] = (acc[0] ^ h[0]) >>> 0;
  acc[1] = (acc[1] ^ h[1]) >>> 0;
}

/** Finding rows per (purl, match key, advisory) for one data revision: the same outcome in many images is built once. */
interface RowCache {
  revision: number;
  readonly rows: Map<string, { v: ReportVulnerability; row: NewRow }>;
}

const MAX_ROW_CACHE = 500_000;

/** One evaluation to write: the rows in scope before and after (all of them, or those of some keys). */
interface EvaluationUpdate {
  readonly repository: string;
  readonly manifestDigest: string;
  readonly platform: string;
  readonly kind: 'analysis' | 'reevaluation';
  /** Undefined when the image was never evaluated for this repository. */
  readonly previousSummary: SeveritySummary | undefined;
  /** The stored fingerprint; undefined when unknown. */
  readonly previousFingerprint: readonly [number, number] | undefined;
  /** The match produced exactly the stored rows (fingerprints equal): nothing but the labels is written. */
  readonly unchanged?: boolean;
  /** 'all': `before`/`after` are every finding; 'keys': only the touched keys' (the rest is kept). */
  readonly scope: 'all' | 'keys';
  readonly before: ReadonlyMap<string, Row>;
  readonly after: ReadonlyMap<string, NewRow>;
  /** Report entries per purl (the summary counts a finding once per entry). */
  readonly weight: (purl: string) => number;
}

interface Applied {
  readonly update: EvaluationUpdate;
  readonly rows: Map<string, Row>;
  readonly diff: EvaluationDiff;
  readonly summary: SeveritySummary;
  readonly fingerprint: readonly [number, number] | undefined;
  readonly first: boolean;
}

const KEY_CHUNK = 200;
/** Evaluations per write transaction: SQLite pays one fsync per transaction. */
const WRITE_CHUNK = 500;
/** Rows per multi-row statement (12 columns: well under SQLite's and PostgreSQL's parameter limits). */
const ROW_CHUNK = 400;
const FILTER_CHUNK = 150;

const rowKey = (purl: string, vulnId: string) => `${purl} ${vulnId}`;
const evalKey = (repository: string, manifestDigest: string, platform: string) => `${repository}\u0000${manifestDigest}\u0000${platform}`;
const imageKey = (manifestDigest: string, platform: string) => `${manifestDigest}\u0000${platform}`;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function refOf(f: StoredFinding): FindingRef {
  return { id: f.id, severity: f.severity, package: f.package, fixedVersions: f.fixedVersions };
}

function refOfRow(r: Row | NewRow): FindingRef {
  if ('ref' in r) return r.ref;
  const v = parseJson<Partial<ReportVulnerability>>(r.vulnerabilityJson, {});
  return { id: r.vulnId, severity: r.severity, package: parseJson<FindingRef['package']>(r.packageJson, { name: '', version: '', type: '', purl: r.purl }), fixedVersions: v.fixedVersions ?? [] };
}

/** What changed between two finding sets: new, gone, and kept ones whose severity changed or that became fixable. */
export function diffFindings(before: Readonly<Record<string, StoredFinding>>, after: Readonly<Record<string, StoredFinding>>): EvaluationDiff {
  const added: FindingRef[] = [];
  const changed: FindingChange[] = [];
  for (const [key, f] of Object.entries(after)) {
    const old = before[key];
    if (!old) {
      added.push(refOf(f));
      continue;
    }
    const severityChanged = old.severity !== f.severity;
    const fixAvailable = !old.fixed && f.fixed;
    if (severityChanged || fixAvailable) {
      changed.push({ ...refOf(f), ...(severityChanged ? { previousSeverity: old.severity } : {}), ...(fixAvailable ? { fixAvailable: true } : {}) });
    }
  }
  const removed = Object.entries(before)
    .filter(([key]) => !(key in after))
    .map(([, f]) => refOf(f));
  return { added, removed, changed };
}

export const isEmptyDiff = (d: EvaluationDiff): boolean => d.added.length + d.removed.length + d.changed.length === 0;

/** The finding rows of a match: one per (purl, advisory), the worst severity when several sources match. */
function rowsOf(findings: readonly Finding[], cache: RowCache): Map<string, NewRow> {
  const best = new Map<string, { v: ReportVulnerability; row: NewRow }>();
  for (const f of findings) {
    const p = f.package;
    // Within one data revision the match outcome is a function of the package (purl) and the key.
    const ck = `${p.purl}\u0000${f.ecosystem}\u0000${f.matchedName}\u0000${f.id}\u0000${f.sourceId}`;
    let entry = cache.rows.get(ck);
    if (!entry) {
      const v = toVulnerability(f);
      const base = {
        purl: p.purl,
        vulnId: f.id,
        ecosystem: f.ecosystem,
        name: f.matchedName,
        severity: v.severity,
        fixed: v.status === 'fixed',
        packageJson: JSON.stringify({ name: p.name, version: p.version, type: p.type, purl: p.purl }),
        vulnerabilityJson: JSON.stringify(v),
      };
      const detail = fingerprintText(hash64(`${base.packageJson}\u0000${base.vulnerabilityJson}`));
      const withDetail = { ...base, detail };
      const ref: FindingRef = { id: f.id, severity: v.severity, package: { name: p.name, version: p.version, type: p.type, purl: p.purl }, fixedVersions: v.fixedVersions };
      entry = { v, row: { ...withDetail, hash: hashOf(withDetail), ref } };
      cache.rows.set(ck, entry);
    }
    const key = rowKey(p.purl, f.id);
    const existing = best.get(key);
    if (!existing || severityRank(entry.v.severity) < severityRank(existing.v.severity)) best.set(key, entry);
  }
  const rows = new Map<string, NewRow>();
  for (const [key, { row }] of best) rows.set(key, row);
  return rows;
}

/** Report entries (purl + locations) per purl among the SBOM's matchable packages. */
function weightsOf(sbom: ImageSbom): Map<string, number> {
  const entries = new Map<string, Set<string>>();
  for (const p of sbom.packages) {
    if (!lookupKey(p, sbom.distro)) continue;
    let set = entries.get(p.purl);
    if (!set) entries.set(p.purl, (set = new Set()));
    set.add(packageKey(p));
  }
  return new Map([...entries].map(([purl, set]) => [purl, set.size]));
}

/** The package as the matcher needs it without the SBOM (the distro's release folded into `ecosystem`). */
function matchPackageOf(p: Package, sbom: ImageSbom): Record<string, unknown> {
  const ecosystem = isDistroType(p.type) ? (p.ecosystem ?? sbom.distro?.ecosystem) : p.ecosystem;
  return { name: p.name, version: p.version, type: p.type, purl: p.purl, ...(ecosystem !== undefined ? { ecosystem } : {}), ...(p.source ? { source: p.source } : {}) };
}

function packageFromJson(text: string): Package | undefined {
  const p = parseJson<{ name?: string; version?: string; type?: string; purl?: string; ecosystem?: string; source?: Package['source'] } | undefined>(text, undefined);
  if (!p?.name || p.version === undefined || !p.type || !p.purl) return undefined;
  return {
    name: p.name,
    version: p.version,
    type: p.type as PackageType,
    purl: p.purl,
    ...(p.ecosystem !== undefined ? { ecosystem: p.ecosystem } : {}),
    ...(p.source ? { source: p.source } : {}),
    licenses: [],
    locations: [],
    foundBy: '',
  };
}

/** Applies an update: `since` carried over, the diff, the new summary (pure; nothing written). */
function apply(update: EvaluationUpdate, evaluatedAt: string): Applied {
  const first = update.previousSummary === undefined;
  if (update.unchanged && update.previousSummary) {
    return { update, rows: new Map(), diff: { added: [], removed: [], changed: [] }, summary: update.previousSummary, fingerprint: update.previousFingerprint, first };
  }
  // A whole match starts from nothing; a patch from the stored fingerprint (unknown stays unknown).
  const fingerprint: [number, number] | undefined = update.scope === 'all' ? [0, 0] : update.previousFingerprint ? [update.previousFingerprint[0], update.previousFingerprint[1]] : undefined;
  const rows = new Map<string, Row>();
  const added: FindingRef[] = [];
  const changed: FindingChange[] = [];
  const summary = update.scope === 'keys' && update.previousSummary ? { ...update.previousSummary } : emptySummary();
  for (const [key, r] of update.after) {
    const old = update.before.get(key);
    rows.set(key, { ...r, since: old?.since ?? evaluatedAt });
    summary[r.severity] += update.weight(r.purl);
    if (fingerprint) xorInto(fingerprint, r.hash);
    if (!old) {
      added.push(refOfRow(r));
      continue;
    }
    const severityChanged = old.severity !== r.severity;
    const fixAvailable = !old.fixed && r.fixed;
    if (severityChanged || fixAvailable) changed.push({ ...refOfRow(r), ...(severityChanged ? { previousSeverity: old.severity } : {}), ...(fixAvailable ? { fixAvailable: true } : {}) });
  }
  const removed: FindingRef[] = [];
  for (const [key, old] of update.before) {
    if (update.scope === 'keys') {
      summary[old.severity] = Math.max(0, summary[old.severity] - update.weight(old.purl));
      if (fingerprint) xorInto(fingerprint, hashOf(old));
    }
    if (!update.after.has(key)) removed.push(refOfRow(old));
  }
  return { update, rows, diff: { added, removed, changed }, summary, fingerprint, first };
}

const sameRow = (a: Row, b: Row) =>
  a.severity === b.severity && a.fixed === b.fixed && a.ecosystem === b.ecosystem && a.name === b.name && a.detail === b.detail;

function rowFromDb(r: Database['evaluation_findings'] & { package: string; vulnerability: string }): Row {
  return {
    purl: r.purl,
    vulnId: r.vuln_id,
    ecosystem: r.ecosystem,
    name: r.name,
    severity: reportSeverity(r.severity),
    fixed: r.fixed === 1,
    since: r.since,
    detail: r.detail,
    packageJson: r.package,
    vulnerabilityJson: r.vulnerability,
  };
}

export class ImageEvaluator implements VulnerabilitySummaryProvider {
  readonly matcher: VulnMatcher;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sboms: SbomStore,
    private readonly vulndb: VulnDb,
    private readonly events?: ImageEvents,
  ) {
    this.matcher = new VulnMatcher(vulndb);
  }

  /** Matches an SBOM against the current data (no storage). */
  async match(sbom: ImageSbom): Promise<Matched> {
    const current = await this.vulndb.currentRevision();
    const findings = await this.matcher.match(sbom.packages, sbom.distro);
    return { sbom, findings, revision: current.revision, updatedAt: current.updatedAt };
  }

  /**
   * Stores `matched` as the repository's evaluation of the image and records the change as a history
   * event (always for the first evaluation). Returns the report served from now on and the diff.
   */
  async store(
    repository: string,
    platform: string,
    matched: Matched,
    kind: 'analysis' | 'reevaluation',
  ): Promise<{ report: VulnerabilityReport; diff: EvaluationDiff; first: boolean }> {
    const [applied] = await this.storeMany([{ repository, platform, matched }], kind, true);
    if (!applied) throw new Error('evaluation not stored');
    const { sbom } = matched;
    const report = this.assemble(sbom, [...applied.rows.values()], {
      evaluatedAt: applied.evaluatedAt,
      db: { version: matched.revision, ...(matched.updatedAt ? { updatedAt: matched.updatedAt } : {}) },
    });
    return { report, diff: applied.diff, first: applied.first };
  }

  /**
   * Stores full matches of many evaluations in one transaction per chunk: only finding rows that
   * changed are written, one history event per changed evaluation, announced after the commit.
   */
  async storeMany(
    items: readonly { repository: string; platform: string; matched: Matched }[],
    kind: 'analysis' | 'reevaluation',
    /** Return every row (with `since`) even when nothing changed (to build the report). */
    withRows = false,
  ): Promise<(Applied & { evaluatedAt: string })[]> {
    const out: (Applied & { evaluatedAt: string })[] = [];
    for (const part of chunks(items, WRITE_CHUNK)) {
      const evals = part.map((i) => ({ repository: i.repository, manifestDigest: i.matched.sbom.image.digest, platform: i.platform }));
      const previous = await this.evaluationsOf(evals);
      const computed = part.map((i) => {
        const after = rowsOf(i.matched.findings, this.rowCacheFor(i.matched.revision));
        const fingerprint: [number, number] = [0, 0];
        for (const r of after.values()) xorInto(fingerprint, r.hash);
        const old = previous.get(evalKey(i.repository, i.matched.sbom.image.digest, i.platform));
        const unchanged = !withRows && old?.fingerprint !== undefined && old.fingerprint[0] === fingerprint[0] && old.fingerprint[1] === fingerprint[1];
        return { i, after, old, unchanged };
      });
      // Only evaluations whose rows may differ are read (a re-match that changes nothing reads no rows).
      const before = await this.rowsOf(computed.filter((c) => c.old && !c.unchanged).map((c) => ({ repository: c.i.repository, manifestDigest: c.i.matched.sbom.image.digest, platform: c.i.platform })));
      const updates: { update: EvaluationUpdate; matched: Matched }[] = [];
      for (const { i, after, old, unchanged } of computed) {
        const ek = evalKey(i.repository, i.matched.sbom.image.digest, i.platform);
        const weights = unchanged ? new Map<string, number>() : weightsOf(i.matched.sbom);
        updates.push({
          matched: i.matched,
          update: {
            repository: i.repository,
            manifestDigest: i.matched.sbom.image.digest,
            platform: i.platform,
            kind,
            previousSummary: old?.summary,
            previousFingerprint: old?.fingerprint,
            unchanged,
            scope: 'all',
            before: before.get(ek) ?? new Map(),
            after,
            weight: (purl) => weights.get(purl) ?? 1,
          },
        });
      }
      const byRevision = new Map<string, { revision: number; updatedAt: string | undefined; updates: EvaluationUpdate[] }>();
      for (const { update, matched } of updates) {
        const k = `${matched.revision}\u0000${matched.updatedAt ?? ''}`;
        let g = byRevision.get(k);
        if (!g) byRevision.set(k, (g = { revision: matched.revision, updatedAt: matched.updatedAt, updates: [] }));
        g.updates.push(update);
      }
      for (const g of byRevision.values()) out.push(...(await this.write(g.updates, g.revision, g.updatedAt)));
      await this.ensureMatchKeys(part.map((i) => ({ sbom: i.matched.sbom, platform: i.platform })));
    }
    return out;
  }

  /**
   * Re-evaluates the advanced evaluations of every image holding one of `keys` by patching only
   * those keys' findings: each distinct package version under the keys is matched once. Images
   * recorded before their packages were (or with findings from before migration 0017) are returned
   * in `full` for a whole re-match.
   */
  async patchKeys(
    keys: readonly PackageKeyRef[],
    isAdvanced: (repository: string) => Promise<boolean>,
  ): Promise<{ images: number; changed: number; full: { manifestDigest: string; platform: string }[] }> {
    const current = await this.vulndb.currentRevision();
    const holding = new Map<string, { manifestDigest: string; platform: string }>();
    const packagesOf = new Map<string, { ecosystem: string; name: string; purl: string; package: string; weight: number }[]>();
    for (const part of chunks(keys, KEY_CHUNK)) {
      const byKey = (eb: ExpressionBuilder<Database, 'image_match_keys' | 'image_match_packages'>) =>
        eb.or(part.map((k) => eb.and([eb('ecosystem', '=', k.ecosystem), eb('name', '=', k.package)])));
      for (const r of await this.db.selectFrom('image_match_keys').select(['manifest_digest', 'platform']).distinct().where(byKey).execute()) {
        holding.set(imageKey(r.manifest_digest, r.platform), { manifestDigest: r.manifest_digest, platform: r.platform });
      }
      for (const r of await this.db.selectFrom('image_match_packages').select(['manifest_digest', 'platform', 'ecosystem', 'name', 'purl', 'package', 'weight']).where(byKey).execute()) {
        const ik = imageKey(r.manifest_digest, r.platform);
        let list = packagesOf.get(ik);
        if (!list) packagesOf.set(ik, (list = []));
        list.push(r);
      }
    }
    // Evaluations holding findings carried over from before 0017 (no match key) are re-matched whole.
    const legacy = new Set((await this.db.selectFrom('evaluation_findings').select(['repository', 'manifest_digest', 'platform']).distinct().where('ecosystem', 'is', null).execute()).map((r) => evalKey(r.repository, r.manifest_digest, r.platform)));
    const full = new Map<string, { manifestDigest: string; platform: string }>();
    for (const [ik, image] of holding) if (!packagesOf.has(ik)) full.set(ik, image);

    // Match every distinct package under the touched keys once.
    const packages = new Map<string, Package>();
    for (const list of packagesOf.values()) {
      for (const p of list) {
        if (packages.has(p.package)) continue;
        const pkg = packageFromJson(p.package);
        if (pkg) packages.set(p.package, pkg);
      }
    }
    const findings = await this.matcher.match([...packages.values()]);
    const findingsOf = new Map<Package, Finding[]>();
    for (const f of findings) {
      let list = findingsOf.get(f.package);
      if (!list) findingsOf.set(f.package, (list = []));
      list.push(f);
    }
    const rowsByPackage = new Map<string, Map<string, NewRow>>();
    const cache = this.rowCacheFor(current.revision);
    for (const [json, pkg] of packages) rowsByPackage.set(json, rowsOf(findingsOf.get(pkg) ?? [], cache));

    // The advanced evaluations of those images and their current rows under the touched keys.
    const evaluations: { repository: string; manifestDigest: string; platform: string; summary: SeveritySummary; fingerprint: [number, number] | undefined }[] = [];
    const images = [...packagesOf.keys()].map((ik) => {
      const [manifestDigest = '', platform = ''] = ik.split('\u0000');
      return { manifestDigest, platform };
    });
    for (const part of chunks([...new Set(images.map((i) => i.manifestDigest))], WRITE_CHUNK)) {
      for (const e of await this.db.selectFrom('evaluations').select(['repository', 'manifest_digest', 'platform', 'summary', 'fingerprint']).where('manifest_digest', 'in', part).execute()) {
        if (!packagesOf.has(imageKey(e.manifest_digest, e.platform)) || !(await isAdvanced(e.repository))) continue;
        if (legacy.has(evalKey(e.repository, e.manifest_digest, e.platform))) {
          full.set(imageKey(e.manifest_digest, e.platform), { manifestDigest: e.manifest_digest, platform: e.platform });
          continue;
        }
        evaluations.push({ repository: e.repository, manifestDigest: e.manifest_digest, platform: e.platform, summary: parseJson(e.summary, emptySummary()), fingerprint: parseFingerprint(e.fingerprint) });
      }
    }
    const oldRows = new Map<string, Map<string, Row>>();
    for (const part of chunks(keys, KEY_CHUNK)) {
      const rows = await this.findingRows()
        .where((eb) => eb.or(part.map((k) => eb.and([eb('f.ecosystem', '=', k.ecosystem), eb('f.name', '=', k.package)]))))
        .execute();
      for (const r of rows) {
        const ek = evalKey(r.repository, r.manifest_digest, r.platform);
        let m = oldRows.get(ek);
        if (!m) oldRows.set(ek, (m = new Map()));
        m.set(rowKey(r.purl, r.vuln_id), rowFromDb(r));
      }
    }
    const updates: EvaluationUpdate[] = [];
    for (const e of evaluations) {
      if (full.has(imageKey(e.manifestDigest, e.platform))) continue;
      const list = packagesOf.get(imageKey(e.manifestDigest, e.platform)) ?? [];
      const weights = new Map(list.map((p) => [p.purl, p.weight]));
      const after = new Map<string, NewRow>();
      for (const p of list) for (const [k, r] of rowsByPackage.get(p.package) ?? []) if (!after.has(k)) after.set(k, r);
      updates.push({
        repository: e.repository,
        manifestDigest: e.manifestDigest,
        platform: e.platform,
        kind: 'reevaluation',
        previousSummary: e.summary,
        previousFingerprint: e.fingerprint,
        scope: 'keys',
        before: oldRows.get(evalKey(e.repository, e.manifestDigest, e.platform)) ?? new Map(),
        after,
        weight: (purl) => weights.get(purl) ?? 1,
      });
    }
    let changed = 0;
    // One transaction for the whole patch: the touched keys' index pages are written once, not per chunk.
    for (const a of await this.write(updates, current.revision, current.updatedAt)) if (!isEmptyDiff(a.diff)) changed++;
    const patchedImages = new Set(updates.map((u) => imageKey(u.manifestDigest, u.platform)));
    return { images: patchedImages.size, changed, full: [...full.values()] };
  }

  /** Writes a chunk of updates in one transaction, then announces the re-evaluations that changed something. */
  private async write(updates: readonly EvaluationUpdate[], revision: number, updatedAt: string | undefined): Promise<(Applied & { evaluatedAt: string })[]> {
    const evaluatedAt = new Date().toISOString();
    const applied = updates.map((u) => apply(u, evaluatedAt));
    const deletes: { repository: string; manifestDigest: string; platform: string; purl: string; vulnId: string }[] = [];
    const inserts: Database['evaluation_findings'][] = [];
    const details = new Map<string, Database['finding_details']>();
    for (const a of applied) {
      if (a.update.unchanged) continue;
      const { repository, manifestDigest, platform } = a.update;
      for (const [key, old] of a.update.before) {
        const now = a.rows.get(key);
        if (now && sameRow(old, now)) continue;
        deletes.push({ repository, manifestDigest, platform, purl: old.purl, vulnId: old.vulnId });
      }
      for (const [key, r] of a.rows) {
        const old = a.update.before.get(key);
        if (old && sameRow(old, r)) continue;
        inserts.push({
          repository,
          manifest_digest: manifestDigest,
          platform,
          purl: r.purl,
          vuln_id: r.vulnId,
          ecosystem: r.ecosystem,
          name: r.name,
          severity: r.severity,
          fixed: r.fixed ? 1 : 0,
          since: r.since,
          detail: r.detail,
        });
        if (!this.knownDetails.has(r.detail)) details.set(r.detail, { hash: r.detail, package: r.packageJson, vulnerability: r.vulnerabilityJson });
      }
    }
    const evaluationRows = applied.map((a) => ({
      repository: a.update.repository,
      manifest_digest: a.update.manifestDigest,
      platform: a.update.platform,
      revision,
      matcher_version: this.matcher.version,
      evaluated_at: evaluatedAt,
      summary: JSON.stringify(a.summary),
      findings: '',
      report: '',
      db_updated_at: updatedAt ?? null,
      fingerprint: a.fingerprint ? fingerprintText(a.fingerprint) : null,
    }));
    const events = applied
      .filter((a) => a.first || !isEmptyDiff(a.diff))
      .map((a) => ({
        id: randomUUID(),
        repository: a.update.repository,
        manifest_digest: a.update.manifestDigest,
        platform: a.update.platform,
        at: evaluatedAt,
        revision,
        kind: a.first ? 'analysis' : a.update.kind,
        added: JSON.stringify(a.diff.added),
        removed: JSON.stringify(a.diff.removed),
        changed: JSON.stringify(a.diff.changed),
        summary: JSON.stringify(a.summary),
      }));
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunks(deletes, FILTER_CHUNK)) {
        await trx
          .deleteFrom('evaluation_findings')
          .where((eb) =>
            eb.or(
              part.map((d) =>
                eb.and([eb('repository', '=', d.repository), eb('manifest_digest', '=', d.manifestDigest), eb('platform', '=', d.platform), eb('purl', '=', d.purl), eb('vuln_id', '=', d.vulnId)]),
              ),
            ),
          )
          .execute();
      }
      for (const part of chunks([...details.values()], ROW_CHUNK)) await trx.insertInto('finding_details').values(part).onConflict((oc) => oc.doNothing()).execute();
      for (const part of chunks(inserts, ROW_CHUNK)) {
        // An analysis and a re-evaluation of the same image may race: the later write wins, neither fails.
        await trx
          .insertInto('evaluation_findings')
          .values(part)
          .onConflict((oc) =>
            oc.columns(['repository', 'manifest_digest', 'platform', 'purl', 'vuln_id']).doUpdateSet((eb) => ({
              ecosystem: eb.ref('excluded.ecosystem'),
              name: eb.ref('excluded.name'),
              severity: eb.ref('excluded.severity'),
              fixed: eb.ref('excluded.fixed'),
              since: eb.ref('excluded.since'),
              detail: eb.ref('excluded.detail'),
            })),
          )
          .execute();
      }
      for (const part of chunks(evaluationRows, ROW_CHUNK)) {
        await trx
          .insertInto('evaluations')
          .values(part)
          .onConflict((oc) =>
            oc.columns(['repository', 'manifest_digest', 'platform']).doUpdateSet((eb) => ({
              revision: eb.ref('excluded.revision'),
              matcher_version: eb.ref('excluded.matcher_version'),
              evaluated_at: eb.ref('excluded.evaluated_at'),
              summary: eb.ref('excluded.summary'),
              findings: eb.ref('excluded.findings'),
              report: eb.ref('excluded.report'),
              db_updated_at: eb.ref('excluded.db_updated_at'),
              fingerprint: eb.ref('excluded.fingerprint'),
            })),
          )
          .execute();
      }
      for (const part of chunks(events, ROW_CHUNK)) await trx.insertInto('evaluation_events').values(part).execute();
    });
    if (this.knownDetails.size > MAX_ROW_CACHE) this.knownDetails.clear();
    for (const d of details.keys()) this.knownDetails.add(d);
    await this.announce(
      applied.filter((a) => a.update.kind === 'reevaluation' && !a.first && !isEmptyDiff(a.diff)),
      revision,
      evaluatedAt,
    );
    return applied.map((a) => ({ ...a, evaluatedAt }));
  }

  /** Summaries and fingerprints of some evaluations (one query per chunk). */
  private async evaluationsOf(
    evals: readonly { repository: string; manifestDigest: string; platform: string }[],
  ): Promise<Map<string, { summary: SeveritySummary; fingerprint: [number, number] | undefined }>> {
    const out = new Map<string, { summary: SeveritySummary; fingerprint: [number, number] | undefined }>();
    for (const part of chunks(evals, FILTER_CHUNK)) {
      const rows = await this.db
        .selectFrom('evaluations')
        .select(['repository', 'manifest_digest', 'platform', 'summary', 'fingerprint'])
        .where((eb) => eb.or(part.map((e) => eb.and([eb('repository', '=', e.repository), eb('manifest_digest', '=', e.manifestDigest), eb('platform', '=', e.platform)]))))
        .execute();
      for (const r of rows) out.set(evalKey(r.repository, r.manifest_digest, r.platform), { summary: parseJson(r.summary, emptySummary()), fingerprint: parseFingerprint(r.fingerprint) });
    }
    return out;
  }

  /** The finding rows of some evaluations (one query per chunk). */
  private async rowsOf(evals: readonly { repository: string; manifestDigest: string; platform: string }[]): Promise<Map<string, Map<string, Row>>> {
    const out = new Map<string, Map<string, Row>>();
    for (const part of chunks(evals, FILTER_CHUNK)) {
      const rows = await this.findingRows()
        .where((eb) => eb.or(part.map((e) => eb.and([eb('f.repository', '=', e.repository), eb('f.manifest_digest', '=', e.manifestDigest), eb('f.platform', '=', e.platform)]))))
        .execute();
      for (const r of rows) {
        const ek = evalKey(r.repository, r.manifest_digest, r.platform);
        let m = out.get(ek);
        if (!m) out.set(ek, (m = new Map()));
        m.set(rowKey(r.purl, r.vuln_id), rowFromDb(r));
      }
    }
    return out;
  }

  private rowCache: RowCache = { revision: -1, rows: new Map() };
  /** finding_details rows known to exist (written by this process): not sent again. */
  private readonly knownDetails = new Set<string>();

  /** Finding rows with their details. */
  private findingRows() {
    return this.db
      .selectFrom('evaluation_findings as f')
      .innerJoin('finding_details as d', 'd.hash', 'f.detail')
      .select(['f.repository', 'f.manifest_digest', 'f.platform', 'f.purl', 'f.vuln_id', 'f.ecosystem', 'f.name', 'f.severity', 'f.fixed', 'f.since', 'f.detail', 'd.package', 'd.vulnerability']);
  }

  private rowCacheFor(revision: number): RowCache {
    if (this.rowCache.revision !== revision || this.rowCache.rows.size > MAX_ROW_CACHE) this.rowCache = { revision, rows: new Map() };
    return this.rowCache;
  }

  /** The served report from the SBOM and the stored rows: each row under every entry of its purl. */
  private assemble(sbom: ImageSbom, rows: readonly Row[], ctx: { evaluatedAt: string; db: { version: number; updatedAt?: string } }): VulnerabilityReport {
    const byPurl = new Map<string, Row[]>();
    for (const r of rows) {
      const list = byPurl.get(r.purl);
      if (list) list.push(r);
      else byPurl.set(r.purl, [r]);
    }
    const byPackage = new Map<string, { pkg: Package; vulns: Map<string, ReportVulnerability> }>();
    const parsed = new Map<Row, ReportVulnerability>();
    for (const p of sbom.packages) {
      const list = byPurl.get(p.purl);
      if (!list || !lookupKey(p, sbom.distro)) continue;
      for (const r of list) {
        let v = parsed.get(r);
        if (!v) parsed.set(r, (v = { ...parseJson<ReportVulnerability>(r.vulnerabilityJson, { id: r.vulnId, aliases: [], severity: r.severity, status: 'not-fixed', fixedVersions: [], source: '', url: '' }), since: r.since }));
        addVulnerability(byPackage, p, v);
      }
    }
    return assembleReport(sbom, byPackage.values(), ctx);
  }

  /** Matches and stores in one step (first evaluation after analysis, or on first view). */
  async evaluate(repository: string, sbom: ImageSbom, platform: string): Promise<{ report: VulnerabilityReport; diff: EvaluationDiff }> {
    return this.store(repository, platform, await this.match(sbom), 'analysis');
  }

  /** The repository's evaluation of an image as the API serves it, else a fresh evaluation. */
  async reportFor(repository: string, sbom: ImageSbom, platform: string): Promise<VulnerabilityReport> {
    const stored = await this.db
      .selectFrom('evaluations')
      .select(['revision', 'evaluated_at', 'db_updated_at'])
      .where('repository', '=', repository)
      .where('manifest_digest', '=', sbom.image.digest)
      .where('platform', '=', platform)
      .executeTakeFirst();
    if (!stored) return (await this.evaluate(repository, sbom, platform)).report;
    const rows = await this.findingRows().where('f.repository', '=', repository).where('f.manifest_digest', '=', sbom.image.digest).where('f.platform', '=', platform).execute();
    return this.assemble(sbom, rows.map(rowFromDb), {
      evaluatedAt: stored.evaluated_at,
      db: { version: stored.revision, ...(stored.db_updated_at !== null ? { updatedAt: stored.db_updated_at } : {}) },
    });
  }

  /** Repositories with a tag on this pushed digest (one analysis serves them all). */
  async repositoriesTagging(rootDigest: string): Promise<string[]> {
    const rows = await this.db.selectFrom('tags').select('repository').distinct().where('manifest_digest', '=', rootDigest).orderBy('repository').execute();
    return rows.map((r) => r.repository);
  }

  /**
   * Evaluates every analyzed platform of a pushed image for a repository after its analysis finished
   * (the SBOM may be new: a re-catalog replaces it, so the image's match keys are rebuilt).
   */
  async evaluateRoot(repository: string, rootDigest: string): Promise<void> {
    for (const record of await this.sboms.analysesOf(rootDigest)) {
      if (record.status !== 'done') continue;
      const sbom = await this.sboms.load(record.manifestDigest, record.platform);
      if (!sbom) continue;
      await this.db.deleteFrom('image_match_keys').where('manifest_digest', '=', sbom.image.digest).where('platform', '=', record.platform).execute();
      await this.db.deleteFrom('image_match_packages').where('manifest_digest', '=', sbom.image.digest).where('platform', '=', record.platform).execute();
      await this.evaluate(repository, sbom, record.platform);
    }
  }

  /** The stored summary of a pushed digest's default platform, evaluating it first when it never was. */
  async summaryFor(repository: string, rootDigest: string): Promise<{ summary: SeveritySummary; evaluatedAt: string } | undefined> {
    const record = defaultAnalysis(await this.sboms.analysesOf(rootDigest));
    if (!record || record.status !== 'done') return undefined;
    const stored = await this.db
      .selectFrom('evaluations')
      .select(['summary', 'evaluated_at'])
      .where('repository', '=', repository)
      .where('manifest_digest', '=', record.manifestDigest)
      .where('platform', '=', record.platform)
      .executeTakeFirst();
    if (stored) return { summary: parseJson(stored.summary, emptySummary()), evaluatedAt: stored.evaluated_at };
    const sbom = await this.sboms.load(record.manifestDigest, record.platform);
    if (!sbom) return undefined;
    const { report } = await this.evaluate(repository, sbom, record.platform);
    return { summary: report.summary, evaluatedAt: report.evaluatedAt };
  }

  /** The history of the repository's evaluations of an image, oldest first. */
  async timeline(repository: string, manifestDigest: string, platform: string): Promise<TimelineEntry[]> {
    const rows = await this.db
      .selectFrom('evaluation_events')
      .selectAll()
      .where('repository', '=', repository)
      .where('manifest_digest', '=', manifestDigest)
      .where('platform', '=', platform)
      .orderBy('at')
      .execute();
    return rows.map((r) => ({
      at: r.at,
      revision: r.revision,
      kind: r.kind === 'analysis' ? 'analysis' : 'reevaluation',
      added: parseJson<FindingRef[]>(r.added, []),
      removed: parseJson<FindingRef[]>(r.removed, []),
      changed: parseJson<FindingChange[]>(r.changed, []),
      summary: parseJson(r.summary, emptySummary()),
    }));
  }

  /**
   * Records, once per image, the (ecosystem, name) keys the matcher looks it up by and the packages
   * behind each key (what a delta re-matches without loading the SBOM).
   */
  private async ensureMatchKeys(images: readonly { sbom: ImageSbom; platform: string }[]): Promise<void> {
    const unique = new Map(images.map((i) => [imageKey(i.sbom.image.digest, i.platform), i]));
    const known = new Set<string>();
    for (const part of chunks([...unique.values()], FILTER_CHUNK)) {
      const rows = await this.db
        .selectFrom('image_match_packages')
        .select(['manifest_digest', 'platform'])
        .distinct()
        .where('manifest_digest', 'in', part.map((i) => i.sbom.image.digest))
        .execute();
      for (const r of rows) known.add(imageKey(r.manifest_digest, r.platform));
    }
    const keyRows: Database['image_match_keys'][] = [];
    const packageRows: Database['image_match_packages'][] = [];
    for (const [ik, { sbom, platform }] of unique) {
      if (known.has(ik)) continue;
      const weights = weightsOf(sbom);
      const keys = new Set<string>();
      const seen = new Set<string>();
      for (const p of sbom.packages) {
        const k = lookupKey(p, sbom.distro);
        if (!k) continue;
        const kk = `${k.ecosystem}\u0000${k.name}`;
        if (!keys.has(kk)) {
          keys.add(kk);
          keyRows.push({ manifest_digest: sbom.image.digest, platform, ecosystem: k.ecosystem, name: k.name });
        }
        if (seen.has(`${kk}\u0000${p.purl}`)) continue;
        seen.add(`${kk}\u0000${p.purl}`);
        packageRows.push({ manifest_digest: sbom.image.digest, platform, ecosystem: k.ecosystem, name: k.name, purl: p.purl, package: JSON.stringify(matchPackageOf(p, sbom)), weight: weights.get(p.purl) ?? 1 });
      }
    }
    if (keyRows.length + packageRows.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunks(keyRows, ROW_CHUNK)) await trx.insertInto('image_match_keys').values(part).onConflict((oc) => oc.doNothing()).execute();
      for (const part of chunks(packageRows, ROW_CHUNK)) await trx.insertInto('image_match_packages').values(part).onConflict((oc) => oc.doNothing()).execute();
    });
  }

  /** One vulnerabilitiesChanged event per changed evaluation, with the tags it is visible under. */
  private async announce(changed: readonly Applied[], revision: number, evaluatedAt: string): Promise<void> {
    if (!this.events || changed.length === 0) return;
    const roots = new Map<string, string>();
    for (const part of chunks([...new Set(changed.map((a) => a.update.manifestDigest))], WRITE_CHUNK)) {
      for (const r of await this.db.selectFrom('analyses').select(['manifest_digest', 'platform', 'root_digest']).where('manifest_digest', 'in', part).execute()) {
        roots.set(imageKey(r.manifest_digest, r.platform), r.root_digest);
      }
    }
    const rootOf = (a: Applied) => roots.get(imageKey(a.update.manifestDigest, a.update.platform)) ?? a.update.manifestDigest;
    const tags = new Map<string, string[]>();
    for (const part of chunks([...new Set(changed.map(rootOf))], WRITE_CHUNK)) {
      for (const t of await this.db.selectFrom('tags').select(['repository', 'manifest_digest', 'name']).where('manifest_digest', 'in', part).orderBy('name').execute()) {
        const k = `${t.repository}\u0000${t.manifest_digest}`;
        const list = tags.get(k);
        if (list) list.push(t.name);
        else tags.set(k, [t.name]);
      }
    }
    for (const a of changed) {
      const rootDigest = rootOf(a);
      this.events.emit('vulnerabilitiesChanged', {
        manifestDigest: a.update.manifestDigest,
        platform: a.update.platform,
        targets: [{ repository: a.update.repository, rootDigest, tags: tags.get(`${a.update.repository}\u0000${rootDigest}`) ?? [] }],
        revision,
        evaluatedAt,
        ...a.diff,
        summary: a.summary,
      });
    }
  }
}
