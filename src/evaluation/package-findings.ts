/**
 * Findings stored per package (migration 0019): each package some image was matched by (its match key
 * and purl) with its findings and the range of findings epochs in which each held, so every image holding
 * the package shares them; an evaluation reads them at the epoch it pinned (see ADR 0005).
 */
import type { Kysely, Transaction } from 'kysely';
import { addTo, chunks } from '../core/collections.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import { reportSeverity, severityRank, type ReportSeverity } from '../reports/severity.js';
import { toVulnerability, type ReportVulnerability } from '../reports/vulnerability-report.js';
import type { Finding } from '../vulndb/match/finding.js';
import type { FindingRef } from './image-events.js';

/** One finding as an evaluation sees it; JSON columns stay strings until a diff or a report needs them. */
export interface Row {
  readonly purl: string;
  readonly vulnId: string;
  /** The package's match key (null for rows carried over by migration 0017). */
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

/** A package_findings row: `since` is when the package first had the finding; epochs [from, to). */
export interface PackageRow extends Row {
  readonly ecosystem: string;
  readonly name: string;
  readonly fromEpoch: number;
  readonly toEpoch: number | null;
}

/** A finding row of a fresh match, before it is stored. */
export interface NewRow extends Omit<Row, 'since'> {
  readonly ecosystem: string;
  readonly name: string;
  /** The finding as history events and notifications show it (built with the row, not parsed back). */
  readonly ref: FindingRef;
}

/** A package as matched: its match key and purl. */
export interface PackageRef {
  readonly ecosystem: string;
  readonly name: string;
  readonly purl: string;
}

/** A package an image holds, with how many report entries it has there (the summary counts each). */
export interface Held extends PackageRef {
  readonly weight: number;
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

const hashText = (f: readonly [number, number]) => f[0].toString(16).padStart(8, '0') + f[1].toString(16).padStart(8, '0');

/** Finding rows per (package key, purl, advisory, source) for one data revision: built once for all images. */
export interface RowCache {
  revision: number;
  readonly rows: Map<string, { v: ReportVulnerability; row: NewRow }>;
}

export const MAX_CACHE = 500_000;

export const rowKey = (purl: string, vulnId: string) => `${purl} ${vulnId}`;
export const refKeyOf = (r: PackageRef) => `${r.ecosystem}\u0000${r.name}\u0000${r.purl}`;

/** Rows per multi-row statement (10 columns: well under SQLite's and PostgreSQL's parameter limits). */
const ROW_CHUNK = 400;
const KEY_CHUNK = 200;
const FILTER_CHUNK = 150;

/** A package's rows under its match key: one per advisory, the worst severity when several sources match. */
export function packageRowsOf(ref: PackageRef, findings: readonly Finding[], cache: RowCache): Map<string, NewRow> {
  const best = new Map<string, { v: ReportVulnerability; row: NewRow }>();
  for (const f of findings) {
    const p = f.package;
    // Within one data revision the outcome is a function of the package key, purl, advisory and source.
    const ck = `${ref.ecosystem}\u0000${ref.name}\u0000${p.purl}\u0000${f.id}\u0000${f.sourceId}`;
    let entry = cache.rows.get(ck);
    if (!entry) {
      const v = toVulnerability(f);
      const pkg = { name: p.name, version: p.version, type: p.type, purl: p.purl };
      const packageJson = JSON.stringify(pkg);
      const vulnerabilityJson = JSON.stringify(v);
      const row: NewRow = {
        purl: p.purl,
        vulnId: f.id,
        ecosystem: ref.ecosystem,
        name: ref.name,
        severity: v.severity,
        fixed: v.status === 'fixed',
        detail: hashText(hash64(`${packageJson}\u0000${vulnerabilityJson}`)),
        packageJson,
        vulnerabilityJson,
        ref: { id: f.id, severity: v.severity, package: pkg, fixedVersions: v.fixedVersions },
      };
      entry = { v, row };
      cache.rows.set(ck, entry);
    }
    const existing = best.get(f.id);
    if (!existing || severityRank(entry.v.severity) < severityRank(existing.v.severity)) best.set(f.id, entry);
  }
  return new Map([...best.values()].map(({ row }) => [rowKey(row.purl, row.vulnId), row]));
}

export const sameRow = (a: Omit<Row, 'since'>, b: Omit<Row, 'since'>) => a.severity === b.severity && a.fixed === b.fixed && a.detail === b.detail;

/**
 * What an evaluation pinned at `epoch` sees of these packages: each package's rows that held then,
 * one per (purl, advisory) (the worst severity when a purl sits under two keys), never `since` before
 * the image's first evaluation.
 */
export function viewOf(held: readonly PackageRef[], rowsByRef: ReadonlyMap<string, readonly PackageRow[]>, epoch: number, firstAt: string): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const h of held) {
    for (const r of rowsByRef.get(refKeyOf(h)) ?? []) {
      if (r.fromEpoch > epoch || (r.toEpoch !== null && r.toEpoch <= epoch)) continue;
      const key = rowKey(r.purl, r.vulnId);
      const existing = out.get(key);
      if (existing && severityRank(existing.severity) <= severityRank(r.severity)) continue;
      out.set(key, r.since < firstAt ? { ...r, since: firstAt } : r);
    }
  }
  return out;
}

/** Keys grouped by ecosystem: one `ecosystem = ? and name in (…)` term each (the primary key's prefix). */
function byEcosystem(keys: readonly { ecosystem: string; name: string }[]): [string, string[]][] {
  const out = new Map<string, Set<string>>();
  for (const k of keys) {
    let set = out.get(k.ecosystem);
    if (!set) out.set(k.ecosystem, (set = new Set()));
    set.add(k.name);
  }
  return [...out].map(([e, names]) => [e, [...names]]);
}

/** These packages as query batches: one ecosystem, a chunk of names and the purls under them. */
function* refBatches(refs: readonly PackageRef[]): Generator<{ ecosystem: string; names: string[]; purls: string[] }> {
  for (const [ecosystem, names] of byEcosystem(refs)) {
    for (const part of chunks(names, KEY_CHUNK)) {
      const inPart = new Set(part);
      const purls = [...new Set(refs.filter((r) => r.ecosystem === ecosystem && inPart.has(r.name)).map((r) => r.purl))];
      for (const purlPart of chunks(purls, KEY_CHUNK * 5)) yield { ecosystem, names: part, purls: purlPart };
    }
  }
}

/** A finding row as read with its details (package_findings and evaluation_findings share these columns). */
export function rowFromDb(r: Pick<Database['package_findings'], 'purl' | 'vuln_id' | 'severity' | 'fixed' | 'since' | 'detail'> & { ecosystem: string | null; name: string | null; package: string; vulnerability: string }): Row {
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

function packageRowFromDb(r: Database['package_findings'] & { package: string; vulnerability: string }): PackageRow {
  return { ...rowFromDb(r), ecosystem: r.ecosystem, name: r.name, fromEpoch: r.from_epoch, toEpoch: r.to_epoch };
}

/** Package rows, their epochs and the packages they belong to, over the shared metadata database. */
export class PackageFindingsStore {
  /** finding_details rows known to exist (written by this process): not sent again. */
  private readonly knownDetails = new Set<string>();

  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Deletes package rows no evaluation can see any more: closed at or before the lowest pinned epoch
   * (a new evaluation pins the current epoch, which sees no closed row).
   */
  async collectUnpinnedRows(): Promise<number> {
    const lowest = await this.db.selectFrom('evaluations').select((eb) => eb.fn.min('epoch').as('epoch')).where('epoch', 'is not', null).executeTakeFirst();
    const floor = lowest?.epoch ?? (await this.epochIn(this.db, false));
    const deleted = await this.db.deleteFrom('package_findings').where('to_epoch', 'is not', null).where('to_epoch', '<=', floor).executeTakeFirst();
    return Number(deleted.numDeletedRows);
  }

  /** The current findings epoch, or a new one inside `trx` (which holds it until commit). */
  async epochIn(trx: Transaction<Database> | Kysely<Database>, next: boolean): Promise<number> {
    if (next) {
      const row = await trx.updateTable('findings_epoch').set((eb) => ({ epoch: eb('epoch', '+', 1) })).where('id', '=', 1).returning('epoch').executeTakeFirst();
      if (row) return row.epoch;
      await trx.insertInto('findings_epoch').values({ id: 1, epoch: 1 }).execute();
      return 1;
    }
    return (await trx.selectFrom('findings_epoch').select('epoch').where('id', '=', 1).executeTakeFirst())?.epoch ?? 0;
  }

  /** Stores packages no image held before with their rows; returns the epoch that sees them. */
  async storeFreshPackages(fresh: readonly { ref: PackageRef; json: string; rows: Map<string, NewRow> }[], evaluatedAt: string): Promise<number> {
    if (fresh.length === 0) return this.epochIn(this.db, false);
    return this.db.transaction().execute(async (trx) => {
      const epoch = await this.epochIn(trx, true);
      // Another process may store the same package meanwhile: only the packages this insert added get rows.
      const added = new Set<string>();
      for (const part of chunks(fresh, ROW_CHUNK)) {
        const rows = await trx
          .insertInto('match_packages')
          .values(part.map((f) => ({ ecosystem: f.ref.ecosystem, name: f.ref.name, purl: f.ref.purl, package: f.json })))
          .onConflict((oc) => oc.doNothing())
          .returning(['ecosystem', 'name', 'purl'])
          .execute();
        for (const r of rows) added.add(refKeyOf(r));
      }
      const opens = fresh.filter((f) => added.has(refKeyOf(f.ref))).flatMap((f) => [...f.rows.values()].map((r) => ({ ...r, since: evaluatedAt })));
      await this.insertRows(trx, opens, epoch);
      return epoch;
    });
  }

  /** Closes and opens package rows at a new epoch; the current epoch when nothing changed. */
  async writePackageChanges(closes: readonly PackageRow[], opens: readonly (NewRow & { since: string })[]): Promise<number> {
    if (closes.length + opens.length === 0) return this.epochIn(this.db, false);
    return this.db.transaction().execute(async (trx) => {
      const epoch = await this.epochIn(trx, true);
      for (const part of chunks(closes, FILTER_CHUNK)) {
        await trx
          .updateTable('package_findings')
          .set({ to_epoch: epoch })
          .where((eb) =>
            eb.or(part.map((r) => eb.and([eb('ecosystem', '=', r.ecosystem), eb('name', '=', r.name), eb('purl', '=', r.purl), eb('vuln_id', '=', r.vulnId), eb('from_epoch', '=', r.fromEpoch)]))),
          )
          .execute();
      }
      await this.insertRows(trx, opens, epoch);
      return epoch;
    });
  }

  async insertRows(trx: Transaction<Database>, opens: readonly (NewRow & { since: string })[], epoch: number): Promise<void> {
    const details = new Map<string, Database['finding_details']>();
    for (const r of opens) if (!this.knownDetails.has(r.detail)) details.set(r.detail, { hash: r.detail, package: r.packageJson, vulnerability: r.vulnerabilityJson });
    for (const part of chunks([...details.values()], ROW_CHUNK)) await trx.insertInto('finding_details').values(part).onConflict((oc) => oc.doNothing()).execute();
    for (const part of chunks(opens, ROW_CHUNK)) {
      await trx
        .insertInto('package_findings')
        .values(
          part.map((r) => ({
            ecosystem: r.ecosystem,
            name: r.name,
            purl: r.purl,
            vuln_id: r.vulnId,
            severity: r.severity,
            fixed: r.fixed ? 1 : 0,
            since: r.since,
            detail: r.detail,
            from_epoch: epoch,
            to_epoch: null,
          })),
        )
        .execute();
    }
    if (this.knownDetails.size > MAX_CACHE) this.knownDetails.clear();
    for (const d of details.keys()) this.knownDetails.add(d);
  }

  /** Which of these packages are stored (match_packages). */
  async storedPackages(refs: readonly PackageRef[]): Promise<Set<string>> {
    const wanted = new Set(refs.map(refKeyOf));
    const out = new Set<string>();
    for (const b of refBatches(refs)) {
      const rows = await this.db.selectFrom('match_packages').select(['ecosystem', 'name', 'purl']).where('ecosystem', '=', b.ecosystem).where('name', 'in', b.names).where('purl', 'in', b.purls).execute();
      for (const r of rows) if (wanted.has(refKeyOf(r))) out.add(refKeyOf(r));
    }
    return out;
  }

  /** Every stored package under these keys, with its matcher JSON. */
  async storedPackagesUnder(keys: readonly { ecosystem: string; name: string }[]): Promise<{ ref: PackageRef; json: string }[]> {
    const out: { ref: PackageRef; json: string }[] = [];
    for (const [ecosystem, names] of byEcosystem(keys)) {
      for (const part of chunks(names, KEY_CHUNK)) {
        const rows = await this.db.selectFrom('match_packages').select(['ecosystem', 'name', 'purl', 'package']).where('ecosystem', '=', ecosystem).where('name', 'in', part).execute();
        for (const r of rows) out.push({ ref: { ecosystem: r.ecosystem, name: r.name, purl: r.purl }, json: r.package });
      }
    }
    return out;
  }

  /** The rows of these packages at every epoch, by package. */
  async packageRows(refs: readonly PackageRef[]): Promise<Map<string, PackageRow[]>> {
    const wanted = new Set(refs.map(refKeyOf));
    const out = new Map<string, PackageRow[]>();
    for (const b of refBatches(refs)) {
      const rows = await this.db
        .selectFrom('package_findings as f')
        .innerJoin('finding_details as d', 'd.hash', 'f.detail')
        .selectAll('f')
        .select(['d.package', 'd.vulnerability'])
        .where('f.ecosystem', '=', b.ecosystem)
        .where('f.name', 'in', b.names)
        .where('f.purl', 'in', b.purls)
        .execute();
      for (const r of rows) {
        const row = packageRowFromDb(r);
        const rk = refKeyOf(row);
        if (wanted.has(rk)) addTo(out, rk, row);
      }
    }
    return out;
  }

  /** What an evaluation pinned at `epoch` sees of every package of the image. */
  async pinnedRows(manifestDigest: string, platform: string, epoch: number, firstAt: string): Promise<Row[]> {
    const rows = await this.db
      .selectFrom('image_match_packages as p')
      .innerJoin('package_findings as f', (j) => j.onRef('f.ecosystem', '=', 'p.ecosystem').onRef('f.name', '=', 'p.name').onRef('f.purl', '=', 'p.purl'))
      .innerJoin('finding_details as d', 'd.hash', 'f.detail')
      .selectAll('f')
      .select(['d.package', 'd.vulnerability'])
      .where('p.manifest_digest', '=', manifestDigest)
      .where('p.platform', '=', platform)
      .where('f.from_epoch', '<=', epoch)
      .where((eb) => eb.or([eb('f.to_epoch', 'is', null), eb('f.to_epoch', '>', epoch)]))
      .execute();
    const byRef = new Map<string, PackageRow[]>();
    const held = new Map<string, PackageRef>();
    for (const r of rows) {
      const row = packageRowFromDb(r);
      addTo(byRef, refKeyOf(row), row);
      held.set(refKeyOf(row), row);
    }
    return [...viewOf([...held.values()], byRef, epoch, firstAt).values()];
  }

  /** Sets an earlier `since` on current package rows (pre-0019 evaluations keep their findings' times). */
  async lowerSince(lowered: ReadonlyMap<PackageRow, string>): Promise<void> {
    if (lowered.size === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const [r, since] of lowered) {
        await trx.updateTable('package_findings').set({ since }).where('ecosystem', '=', r.ecosystem).where('name', '=', r.name).where('purl', '=', r.purl).where('vuln_id', '=', r.vulnId).where('from_epoch', '=', r.fromEpoch).execute();
      }
    });
  }
}
