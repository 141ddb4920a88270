/**
 * Matches analyzed images against the vulnerability data and keeps the outcome per repository and
 * image (manifest + platform). The outcome of matching a package is the same in every image that
 * holds it, so findings are stored per package (package_findings, each row with the range of findings
 * epochs in which it held) and an evaluation pins the epoch it reads them at: a `basic` evaluation
 * keeps its push-time view, an `advanced` one is moved on whenever one of its packages changed. A data
 * change re-matches each touched package once, writes the few rows that changed and one summary (and
 * history event, and announcement) per image whose view changed. The report the API serves is
 * assembled on read from the stored SBOM and the rows of the pinned view. Evaluations made before
 * migration 0019 keep their own rows (evaluation_findings) until they are next evaluated.
 */
import { addTo, chunks } from '../core/collections.js';
import { timeOrderedId } from '../core/time-ordered-id.js';
import type { Kysely } from 'kysely';
import { defaultAnalysis } from '../analysis/api/analyzed-image.js';
import type { VulnerabilitySummaryProvider } from '../analysis/api/analysis-routes.js';
import type { SbomStore } from '../analysis/store/sbom-store.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { Package, PackageType } from '../model/package.js';
import type { ImageSbom } from '../model/sbom.js';
import { emptySummary, type SeveritySummary } from '../reports/severity.js';
import { addVulnerability, assembleReport, packageKey, type ReportVulnerability, type VulnerabilityReport } from '../reports/vulnerability-report.js';
import type { Finding } from '../vulndb/match/finding.js';
import { isDistroType } from '../vulndb/names.js';
import { lookupKey, VulnMatcher } from '../vulndb/match/matcher.js';
import type { VulnDb } from '../vulndb/vulndb-store.js';
import type { FindingChange, FindingRef, ImageEvents } from './image-events.js';
import {
  MAX_CACHE,
  PackageFindingsStore,
  packageRowsOf,
  refKeyOf,
  rowFromDb,
  rowKey,
  sameRow,
  viewOf,
  type Held,
  type NewRow,
  type PackageRef,
  type PackageRow,
  type Row,
  type RowCache,
} from './package-findings.js';

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



/** One evaluation to write: the rows in scope before and after (all of them, or those of some keys). */
interface EvaluationUpdate {
  readonly repository: string;
  readonly manifestDigest: string;
  readonly platform: string;
  readonly kind: 'analysis' | 'reevaluation';
  /** Undefined when the image was never evaluated for this repository. */
  readonly previousSummary: SeveritySummary | undefined;
  /** The previous evaluation kept its own rows (before migration 0019): they are dropped. */
  readonly legacy: boolean;
  /** 'all': `before`/`after` are every finding; 'keys': only the touched keys' (the rest is kept). */
  readonly scope: 'all' | 'keys';
  readonly before: ReadonlyMap<string, Row>;
  readonly after: ReadonlyMap<string, Row>;
  /** Report entries per purl (the summary counts a finding once per entry). */
  readonly weight: (purl: string) => number;
  readonly epoch: number;
  readonly firstAt: string;
}

interface Applied {
  readonly update: EvaluationUpdate;
  readonly rows: ReadonlyMap<string, Row>;
  readonly diff: EvaluationDiff;
  readonly summary: SeveritySummary;
  readonly first: boolean;
}

/** Evaluations per write transaction. */
const WRITE_CHUNK = 500;
/** Rows per multi-row statement (at most 12 columns: well under SQLite's and PostgreSQL's parameter limits). */
const ROW_CHUNK = 400;
const FILTER_CHUNK = 150;

const evalKey = (repository: string, manifestDigest: string, platform: string) => `${repository}\u0000${manifestDigest}\u0000${platform}`;
const imageKey = (manifestDigest: string, platform: string) => `${manifestDigest}\u0000${platform}`;


function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export const isEmptyDiff = (d: EvaluationDiff): boolean => d.added.length + d.removed.length + d.changed.length === 0;


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

/** The packages an image is matched by, one per (key, purl), with their report entries. */
function heldOf(sbom: ImageSbom): Held[] {
  const weights = weightsOf(sbom);
  const out = new Map<string, Held>();
  for (const p of sbom.packages) {
    const k = lookupKey(p, sbom.distro);
    if (!k) continue;
    const ref = { ecosystem: k.ecosystem, name: k.name, purl: p.purl };
    if (!out.has(refKeyOf(ref))) out.set(refKeyOf(ref), { ...ref, weight: weights.get(p.purl) ?? 1 });
  }
  return [...out.values()];
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




export class ImageEvaluator implements VulnerabilitySummaryProvider {
  readonly matcher: VulnMatcher;
  private readonly packages: PackageFindingsStore;
  private rowCache: RowCache = { revision: -1, rows: new Map() };
  /** History events show findings as refs; a stored row's JSON is parsed once per process. */
  private readonly refs = new Map<string, FindingRef>();
  private readonly refsByRow = new WeakMap<Row, FindingRef>();
  private readonly refJson = new WeakMap<FindingRef, string>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sboms: SbomStore,
    private readonly vulndb: VulnDb,
    private readonly events?: ImageEvents,
  ) {
    this.matcher = new VulnMatcher(vulndb);
    this.packages = new PackageFindingsStore(db);
  }

  /** Deletes package rows no evaluation pins any more (after each re-evaluation). */
  collectUnpinnedRows(): Promise<number> {
    return this.packages.collectUnpinnedRows();
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
    const [applied] = await this.storeMany([{ repository, platform, matched }], kind);
    if (!applied) throw new Error('evaluation not stored');
    const { sbom } = matched;
    const report = this.assemble(sbom, [...applied.rows.values()], {
      evaluatedAt: applied.evaluatedAt,
      db: { version: matched.revision, ...(matched.updatedAt ? { updatedAt: matched.updatedAt } : {}) },
    });
    return { report, diff: applied.diff, first: applied.first };
  }

  /**
   * Stores whole evaluations, a chunk per transaction: packages no image held before get their rows
   * from this match (at a new epoch); packages already stored are seen as they are stored (a data
   * change they are still waiting for reaches them, and the images holding them, in the next
   * re-evaluation). One history event per changed evaluation, announced after the commit.
   */
  async storeMany(items: readonly { repository: string; platform: string; matched: Matched }[], kind: 'analysis' | 'reevaluation'): Promise<(Applied & { evaluatedAt: string })[]> {
    const out: (Applied & { evaluatedAt: string })[] = [];
    for (const part of chunks(items, WRITE_CHUNK)) {
      const evaluatedAt = new Date().toISOString();
      const images = part.map((item) => ({ item, held: heldOf(item.matched.sbom) }));
      await this.recordHeld(images.map(({ item, held }) => ({ manifestDigest: item.matched.sbom.image.digest, platform: item.platform, held })));
      const refs = new Map<string, PackageRef>();
      for (const { held } of images) for (const h of held) refs.set(refKeyOf(h), h);
      const known = await this.packages.storedPackages([...refs.values()]);

      // Packages not stored yet: their rows come from this match.
      const fresh = new Map<string, { ref: PackageRef; json: string; rows: Map<string, NewRow> }>();
      for (const { item } of images) {
        const { sbom, findings, revision } = item.matched;
        const byRef = new Map<string, Finding[]>();
        for (const f of findings) {
          const k = lookupKey(f.package, sbom.distro);
          if (k) addTo(byRef, refKeyOf({ ecosystem: k.ecosystem, name: k.name, purl: f.package.purl }), f);
        }
        for (const p of sbom.packages) {
          const k = lookupKey(p, sbom.distro);
          if (!k) continue;
          const ref = { ecosystem: k.ecosystem, name: k.name, purl: p.purl };
          const rk = refKeyOf(ref);
          if (known.has(rk) || fresh.has(rk)) continue;
          fresh.set(rk, { ref, json: JSON.stringify(matchPackageOf(p, sbom)), rows: packageRowsOf(ref, byRef.get(rk) ?? [], this.rowCacheFor(revision)) });
        }
      }
      const epoch = await this.packages.storeFreshPackages([...fresh.values()], evaluatedAt);

      const evals = part.map((i) => ({ repository: i.repository, manifestDigest: i.matched.sbom.image.digest, platform: i.platform }));
      const previous = await this.evaluationsOf(evals);
      const rows = await this.packages.packageRows([...refs.values()]);
      const legacy = await this.legacyRowsOf(evals.filter((e) => previous.get(evalKey(e.repository, e.manifestDigest, e.platform))?.epoch === null));
      if (legacy.size > 0) await this.keepLegacySince(images, legacy, rows);
      const byRevision = new Map<string, { revision: number; updatedAt: string | undefined; updates: EvaluationUpdate[] }>();
      for (const { item, held } of images) {
        const ek = evalKey(item.repository, item.matched.sbom.image.digest, item.platform);
        const prev = previous.get(ek);
        const legacyRows = prev?.epoch === null ? (legacy.get(ek) ?? new Map<string, Row>()) : undefined;
        const firstAt = prev?.firstAt ?? (legacyRows ? [...legacyRows.values()].reduce((min, r) => (r.since < min ? r.since : min), prev?.evaluatedAt ?? evaluatedAt) : evaluatedAt);
        const weights = new Map(held.map((h) => [h.purl, h.weight]));
        const update: EvaluationUpdate = {
          repository: item.repository,
          manifestDigest: item.matched.sbom.image.digest,
          platform: item.platform,
          kind,
          previousSummary: prev?.summary,
          legacy: legacyRows !== undefined,
          scope: 'all',
          before: legacyRows ?? (prev?.epoch != null ? viewOf(held, rows, prev.epoch, firstAt) : new Map()),
          after: viewOf(held, rows, epoch, firstAt),
          weight: (purl) => weights.get(purl) ?? 1,
          epoch,
          firstAt,
        };
        const g = `${item.matched.revision}\u0000${item.matched.updatedAt ?? ''}`;
        let group = byRevision.get(g);
        if (!group) byRevision.set(g, (group = { revision: item.matched.revision, updatedAt: item.matched.updatedAt, updates: [] }));
        group.updates.push(update);
      }
      for (const g of byRevision.values()) out.push(...(await this.write(g.updates, g.revision, g.updatedAt, evaluatedAt)));
    }
    return out;
  }

  /**
   * Brings the advanced evaluations of every image holding one of `keys` up to date: each stored
   * package under the keys is re-matched once, the rows that changed are closed and opened at a new
   * epoch, and each evaluation's view of those keys moves from its pinned epoch to the new one (its
   * diff, summary and history event come from the two views, so a run that stopped half way is
   * caught up by the next). `all`: every key (a matcher upgrade); images are then read in chunks.
   * Advanced evaluations that kept their own rows (before migration 0019) are returned in `full` for a
   * whole re-match (Reevaluation also converts those that hold none of the keys).
   */
  async patchKeys(
    keys: readonly PackageKeyRef[],
    isAdvanced: (repository: string) => Promise<boolean>,
    all = false,
  ): Promise<{ images: number; changed: number; full: { manifestDigest: string; platform: string }[] }> {
    const current = await this.vulndb.currentRevision();
    const evaluatedAt = new Date().toISOString();
    const keyList = keys.map((k) => ({ ecosystem: k.ecosystem, name: k.package }));
    const touched = new Set(keyList.map((k) => `${k.ecosystem}\u0000${k.name}`));

    // 1. Every stored package under the keys, matched once; its rows compared with the current ones.
    const stored = await this.packages.storedPackagesUnder(keyList);
    const packages = new Map<Package, PackageRef>();
    for (const s of stored) {
      const pkg = packageFromJson(s.json);
      if (pkg) packages.set(pkg, s.ref);
    }
    const findingsOf = new Map<Package, Finding[]>();
    for (const f of await this.matcher.match([...packages.keys()])) addTo(findingsOf, f.package, f);
    const before = await this.packages.packageRows([...packages.values()]);
    const cache = this.rowCacheFor(current.revision);
    const closes: PackageRow[] = [];
    const opens: (NewRow & { since: string })[] = [];
    for (const [pkg, ref] of packages) {
      const next = packageRowsOf(ref, findingsOf.get(pkg) ?? [], cache);
      const now = new Map((before.get(refKeyOf(ref)) ?? []).filter((r) => r.toEpoch === null).map((r) => [rowKey(r.purl, r.vulnId), r]));
      for (const [k, r] of now) {
        const n = next.get(k);
        if (!n || !sameRow(r, n)) closes.push(r);
      }
      for (const [k, n] of next) {
        const r = now.get(k);
        if (!r) opens.push({ ...n, since: evaluatedAt });
        else if (!sameRow(r, n)) opens.push({ ...n, since: r.since });
      }
    }
    const epoch = await this.packages.writePackageChanges(closes, opens);
    const closed = new Set(closes);
    const after = new Map<string, PackageRow[]>();
    for (const [rk, list] of before) after.set(rk, list.map((r) => (closed.has(r) ? { ...r, toEpoch: epoch } : r)));
    for (const o of opens) addTo(after, refKeyOf(o), { ...o, fromEpoch: epoch, toEpoch: null });

    // 2. The advanced evaluations of the images holding those keys, moved to the new epoch.
    const full = new Map<string, { manifestDigest: string; platform: string }>();
    let images = 0;
    let changed = 0;
    const patch = async (heldBy: Map<string, Held[]>): Promise<void> => {
      const updates: EvaluationUpdate[] = [];
      const imageList = [...heldBy.keys()].map((ik) => {
        const [manifestDigest = '', platform = ''] = ik.split('\u0000');
        return { manifestDigest, platform };
      });
      for (const part of chunks([...new Set(imageList.map((i) => i.manifestDigest))], WRITE_CHUNK)) {
        const rows = await this.db
          .selectFrom('evaluations')
          .select(['repository', 'manifest_digest', 'platform', 'summary', 'epoch', 'first_at', 'evaluated_at'])
          .where('manifest_digest', 'in', part)
          .execute();
        for (const e of rows) {
          const held = heldBy.get(imageKey(e.manifest_digest, e.platform));
          if (!held || !(await isAdvanced(e.repository))) continue;
          if (e.epoch === null) {
            full.set(imageKey(e.manifest_digest, e.platform), { manifestDigest: e.manifest_digest, platform: e.platform });
            continue;
          }
          const firstAt = e.first_at ?? e.evaluated_at;
          const weights = new Map(held.map((h) => [h.purl, h.weight]));
          updates.push({
            repository: e.repository,
            manifestDigest: e.manifest_digest,
            platform: e.platform,
            kind: 'reevaluation',
            previousSummary: parseJson(e.summary, emptySummary()),
            legacy: false,
            scope: 'keys',
            before: viewOf(held, before, e.epoch, firstAt),
            after: viewOf(held, after, epoch, firstAt),
            weight: (purl) => weights.get(purl) ?? 1,
            epoch,
            firstAt,
          });
        }
      }
      for (const part of chunks(updates, all ? WRITE_CHUNK : updates.length || 1)) {
        for (const a of await this.write(part, current.revision, current.updatedAt, evaluatedAt)) if (!isEmptyDiff(a.diff)) changed++;
      }
      images += new Set(updates.map((u) => imageKey(u.manifestDigest, u.platform))).size;
    };

    if (all) {
      // Every image, a chunk at a time, with what it holds under the touched keys.
      let last: { manifestDigest: string; platform: string } | undefined;
      for (;;) {
        let q = this.db.selectFrom('image_match_packages').select(['manifest_digest', 'platform']).distinct().orderBy('manifest_digest').orderBy('platform').limit(WRITE_CHUNK);
        if (last) {
          const l = last;
          q = q.where((eb) => eb.or([eb('manifest_digest', '>', l.manifestDigest), eb.and([eb('manifest_digest', '=', l.manifestDigest), eb('platform', '>', l.platform)])]));
        }
        const page = await q.execute();
        if (page.length === 0) break;
        const tail = page[page.length - 1];
        if (tail) last = { manifestDigest: tail.manifest_digest, platform: tail.platform };
        const heldBy = new Map<string, Held[]>();
        const rows = await this.db
          .selectFrom('image_match_packages')
          .select(['manifest_digest', 'platform', 'ecosystem', 'name', 'purl', 'weight'])
          .where('manifest_digest', 'in', [...new Set(page.map((p) => p.manifest_digest))])
          .execute();
        for (const r of rows) {
          if (touched.has(`${r.ecosystem}\u0000${r.name}`)) addTo(heldBy, imageKey(r.manifest_digest, r.platform), { ecosystem: r.ecosystem, name: r.name, purl: r.purl, weight: r.weight });
        }
        await patch(heldBy);
      }
    } else {
      // One query per key (an index range), selecting only what differs per row.
      const heldBy = new Map<string, Held[]>();
      for (const { ecosystem, name } of keyList) {
        const rows = await this.db.selectFrom('image_match_packages').select(['manifest_digest', 'platform', 'purl', 'weight']).where('ecosystem', '=', ecosystem).where('name', '=', name).execute();
        for (const r of rows) addTo(heldBy, imageKey(r.manifest_digest, r.platform), { ecosystem, name, purl: r.purl, weight: r.weight });
      }
      await patch(heldBy);
    }
    return { images, changed, full: [...full.values()] };
  }

  /**
   * Findings an image had before migration 0019 applied since their own time: a package row that is
   * younger (it was only stored now) takes the oldest such time, so the converted image keeps it.
   */
  private async keepLegacySince(
    images: readonly { item: { repository: string; platform: string; matched: Matched }; held: readonly Held[] }[],
    legacy: ReadonlyMap<string, ReadonlyMap<string, Row>>,
    rows: Map<string, PackageRow[]>,
  ): Promise<void> {
    const lowered = new Map<PackageRow, string>();
    for (const { item, held } of images) {
      const own = legacy.get(evalKey(item.repository, item.matched.sbom.image.digest, item.platform));
      if (!own) continue;
      for (const h of held) {
        for (const r of rows.get(refKeyOf(h)) ?? []) {
          const since = own.get(rowKey(r.purl, r.vulnId))?.since;
          if (r.toEpoch === null && since !== undefined && since < (lowered.get(r) ?? r.since)) lowered.set(r, since);
        }
      }
    }
    if (lowered.size === 0) return;
    await this.packages.lowerSince(lowered);
    for (const [rk, list] of rows) rows.set(rk, list.map((r) => { const since = lowered.get(r); return since === undefined ? r : { ...r, since }; }));
  }


  /** Summaries and pins of some evaluations (one query per chunk). */
  private async evaluationsOf(
    evals: readonly { repository: string; manifestDigest: string; platform: string }[],
  ): Promise<Map<string, { summary: SeveritySummary; epoch: number | null; firstAt: string | null; evaluatedAt: string }>> {
    const out = new Map<string, { summary: SeveritySummary; epoch: number | null; firstAt: string | null; evaluatedAt: string }>();
    for (const part of chunks(evals, FILTER_CHUNK)) {
      const rows = await this.db
        .selectFrom('evaluations')
        .select(['repository', 'manifest_digest', 'platform', 'summary', 'epoch', 'first_at', 'evaluated_at'])
        .where((eb) => eb.or(part.map((e) => eb.and([eb('repository', '=', e.repository), eb('manifest_digest', '=', e.manifestDigest), eb('platform', '=', e.platform)]))))
        .execute();
      for (const r of rows) out.set(evalKey(r.repository, r.manifest_digest, r.platform), { summary: parseJson(r.summary, emptySummary()), epoch: r.epoch, firstAt: r.first_at, evaluatedAt: r.evaluated_at });
    }
    return out;
  }

  /** The rows of evaluations made before migration 0019 (one query per chunk). */
  private async legacyRowsOf(evals: readonly { repository: string; manifestDigest: string; platform: string }[]): Promise<Map<string, Map<string, Row>>> {
    const out = new Map<string, Map<string, Row>>();
    for (const part of chunks(evals, FILTER_CHUNK)) {
      const rows = await this.legacyRows()
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

  private legacyRows() {
    return this.db.selectFrom('evaluation_findings as f').innerJoin('finding_details as d', 'd.hash', 'f.detail').selectAll('f').select(['d.package', 'd.vulnerability']);
  }


  /** A finding as history events show it (parsed once per row content). */
  private refOf(r: Row): FindingRef {
    // Rows of a view are shared by every image that sees them: most lookups end at the first map.
    const byRow = this.refsByRow.get(r);
    if (byRow) return byRow;
    const k = `${r.detail}\u0000${r.vulnId}\u0000${r.severity}`;
    let ref = this.refs.get(k);
    if (!ref) {
      const v = parseJson<Partial<ReportVulnerability>>(r.vulnerabilityJson, {});
      ref = { id: r.vulnId, severity: r.severity, package: parseJson<FindingRef['package']>(r.packageJson, { name: '', version: '', type: '', purl: r.purl }), fixedVersions: v.fixedVersions ?? [] };
      if (this.refs.size > MAX_CACHE) this.refs.clear();
      this.refs.set(k, ref);
    }
    this.refsByRow.set(r, ref);
    return ref;
  }

  /** A list of findings as JSON, each finding serialized once (the same refs recur in thousands of events). */
  private refsJson(refs: readonly FindingRef[]): string {
    if (refs.length === 0) return '[]';
    let out = '';
    for (const ref of refs) {
      let json = this.refJson.get(ref);
      if (json === undefined) this.refJson.set(ref, (json = JSON.stringify(ref)));
      out += (out ? ',' : '') + json;
    }
    return `[${out}]`;
  }

  /** The diff and the new summary of an update (pure: nothing written). */
  private apply(update: EvaluationUpdate): Applied {
    const first = update.previousSummary === undefined;
    const added: FindingRef[] = [];
    const changed: FindingChange[] = [];
    const summary = update.scope === 'keys' && update.previousSummary ? { ...update.previousSummary } : emptySummary();
    for (const [key, r] of update.after) {
      summary[r.severity] += update.weight(r.purl);
      const old = update.before.get(key);
      if (!old) {
        added.push(this.refOf(r));
        continue;
      }
      const severityChanged = old.severity !== r.severity;
      const fixAvailable = !old.fixed && r.fixed;
      if (severityChanged || fixAvailable) changed.push({ ...this.refOf(r), ...(severityChanged ? { previousSeverity: old.severity } : {}), ...(fixAvailable ? { fixAvailable: true } : {}) });
    }
    const removed: FindingRef[] = [];
    for (const [key, old] of update.before) {
      if (update.scope === 'keys') summary[old.severity] = Math.max(0, summary[old.severity] - update.weight(old.purl));
      if (!update.after.has(key)) removed.push(this.refOf(old));
    }
    return { update, rows: update.after, diff: { added, removed, changed }, summary, first };
  }

  /** Writes evaluations (their pins and summaries) and history events in one transaction, then announces re-evaluations that changed something. */
  private async write(updates: readonly EvaluationUpdate[], revision: number, updatedAt: string | undefined, evaluatedAt: string): Promise<(Applied & { evaluatedAt: string })[]> {
    const applied = updates.map((u) => this.apply(u));
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
      fingerprint: null,
      epoch: a.update.epoch,
      first_at: a.update.firstAt,
    }));
    const events = applied
      .filter((a) => a.first || !isEmptyDiff(a.diff))
      .map((a) => ({
        id: timeOrderedId(),
        repository: a.update.repository,
        manifest_digest: a.update.manifestDigest,
        platform: a.update.platform,
        at: evaluatedAt,
        revision,
        kind: a.first ? 'analysis' : a.update.kind,
        added: this.refsJson(a.diff.added),
        removed: this.refsJson(a.diff.removed),
        changed: JSON.stringify(a.diff.changed),
        summary: JSON.stringify(a.summary),
      }));
    const legacy = applied.filter((a) => a.update.legacy).map((a) => a.update);
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunks(legacy, FILTER_CHUNK)) {
        await trx
          .deleteFrom('evaluation_findings')
          .where((eb) => eb.or(part.map((u) => eb.and([eb('repository', '=', u.repository), eb('manifest_digest', '=', u.manifestDigest), eb('platform', '=', u.platform)]))))
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
              epoch: eb.ref('excluded.epoch'),
              first_at: eb.ref('excluded.first_at'),
            })),
          )
          .execute();
      }
      for (const part of chunks(events, ROW_CHUNK)) await trx.insertInto('evaluation_events').values(part).execute();
    });
    await this.announce(
      applied.filter((a) => a.update.kind === 'reevaluation' && !a.first && !isEmptyDiff(a.diff)),
      revision,
      evaluatedAt,
    );
    return applied.map((a) => ({ ...a, evaluatedAt }));
  }

  private rowCacheFor(revision: number): RowCache {
    if (this.rowCache.revision !== revision || this.rowCache.rows.size > MAX_CACHE) this.rowCache = { revision, rows: new Map() };
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
      .select(['revision', 'evaluated_at', 'db_updated_at', 'epoch', 'first_at'])
      .where('repository', '=', repository)
      .where('manifest_digest', '=', sbom.image.digest)
      .where('platform', '=', platform)
      .executeTakeFirst();
    if (!stored) return (await this.evaluate(repository, sbom, platform)).report;
    const rows =
      stored.epoch === null
        ? (await this.legacyRows().where('f.repository', '=', repository).where('f.manifest_digest', '=', sbom.image.digest).where('f.platform', '=', platform).execute()).map(rowFromDb)
        : await this.packages.pinnedRows(sbom.image.digest, platform, stored.epoch, stored.first_at ?? stored.evaluated_at);
    return this.assemble(sbom, rows, {
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

  /**
   * Tagged images whose evaluation (in their repository) contains advisory `id`: evaluations read
   * from package rows at their pinned epoch, and those that kept their own rows (indexed by advisory).
   */
  async imagesAffectedBy(id: string): Promise<{ repository: string; tag: string; digest: string }[]> {
    const pinned = await this.db
      .selectFrom('package_findings as f')
      .innerJoin('image_match_packages as p', (j) => j.onRef('p.ecosystem', '=', 'f.ecosystem').onRef('p.name', '=', 'f.name').onRef('p.purl', '=', 'f.purl'))
      .innerJoin('evaluations as e', (j) => j.onRef('e.manifest_digest', '=', 'p.manifest_digest').onRef('e.platform', '=', 'p.platform'))
      .innerJoin('analyses as a', (j) => j.onRef('a.manifest_digest', '=', 'e.manifest_digest').onRef('a.platform', '=', 'e.platform'))
      .innerJoin('tags as t', (j) => j.onRef('t.manifest_digest', '=', 'a.root_digest').onRef('t.repository', '=', 'e.repository'))
      .select(['t.repository', 't.name', 'a.root_digest'])
      .where('f.vuln_id', '=', id)
      .where('e.epoch', 'is not', null)
      .whereRef('f.from_epoch', '<=', 'e.epoch')
      .where((eb) => eb.or([eb('f.to_epoch', 'is', null), eb('f.to_epoch', '>', eb.ref('e.epoch'))]))
      .execute();
    const own = await this.db
      .selectFrom('evaluation_findings as f')
      .innerJoin('analyses as a', (j) => j.onRef('a.manifest_digest', '=', 'f.manifest_digest').onRef('a.platform', '=', 'f.platform'))
      .innerJoin('tags as t', (j) => j.onRef('t.manifest_digest', '=', 'a.root_digest').onRef('t.repository', '=', 'f.repository'))
      .select(['t.repository', 't.name', 'a.root_digest'])
      .where('f.vuln_id', '=', id)
      .execute();
    const out = new Map<string, { repository: string; tag: string; digest: string }>();
    for (const r of [...pinned, ...own]) out.set(`${r.repository}:${r.name}`, { repository: r.repository, tag: r.name, digest: r.root_digest });
    return [...out.values()].sort((a, b) => (a.repository === b.repository ? (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0) : a.repository < b.repository ? -1 : 1));
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

  /** Records, once per image, the packages it is matched by (how a delta finds the images holding a key). */
  private async recordHeld(images: readonly { manifestDigest: string; platform: string; held: readonly Held[] }[]): Promise<void> {
    const unique = new Map(images.map((i) => [imageKey(i.manifestDigest, i.platform), i]));
    const known = new Set<string>();
    for (const part of chunks([...unique.values()], FILTER_CHUNK)) {
      const rows = await this.db
        .selectFrom('image_match_packages')
        .select(['manifest_digest', 'platform'])
        .distinct()
        .where('manifest_digest', 'in', part.map((i) => i.manifestDigest))
        .execute();
      for (const r of rows) known.add(imageKey(r.manifest_digest, r.platform));
    }
    const rows: Database['image_match_packages'][] = [];
    for (const [ik, i] of unique) {
      if (known.has(ik)) continue;
      for (const h of i.held) rows.push({ manifest_digest: i.manifestDigest, platform: i.platform, ecosystem: h.ecosystem, name: h.name, purl: h.purl, package: '', weight: h.weight });
    }
    if (rows.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const part of chunks(rows, ROW_CHUNK)) await trx.insertInto('image_match_packages').values(part).onConflict((oc) => oc.doNothing()).execute();
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
