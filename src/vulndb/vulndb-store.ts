/**
 * The merged vulnerability database over the shared Kysely handle: imports a source's record stream
 * (diffed and staged outside the database, then written in one transaction with batched multi-row
 * inserts; incremental by `modified` + content hash, snapshot removals), keeps the alias map and the revision (bumped only when an import changed something),
 * and answers the lookups the matcher and the report surfaces need.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Kysely, Transaction } from 'kysely';
import { addTo, chunks } from '../core/collections.js';
import { insertRows } from '../metadata/kysely/bulk-insert.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { Advisory, CveMetrics, Severity } from './advisory.js';
import type { SourceItem, SourceName } from './advisory-source.js';
import { unifyAliases } from './aliases.js';
import { indexedPackages, readMatchIndex, readMatchRows, rebuildMatchIndex, type MatchRow } from './match-index.js';

export interface ImportResult {
  readonly source: string;
  readonly read: number;
  readonly added: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly removed: number;
  readonly withdrawn: number;
  readonly metrics: number;
  readonly skipped: number;
  readonly revision: number;
  readonly changed: boolean;
  /** Distinct (ecosystem, package) keys whose matching data this import changed (recorded in vuln_changes). */
  readonly touchedPackages: number;
}

export interface SourceStatus {
  readonly source: string;
  readonly advisories: number;
  readonly lastUpdate: string | undefined;
  readonly lastChange: string | undefined;
  readonly origin: string | undefined;
  readonly lastResult: Partial<ImportResult> | undefined;
}

export interface DbStatus {
  readonly revision: number;
  readonly updatedAt: string | undefined;
  readonly advisories: number;
  readonly vulnerabilities: number;
  readonly affected: number;
  readonly metrics: { readonly nvd: number; readonly kev: number; readonly epss: number };
  readonly sources: readonly SourceStatus[];
}

/** An affected row with its ecosystem. */
export interface AffectedRow extends MatchRow {
  readonly ecosystem: string;
}

export interface VulnInfo {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly summary?: string;
  readonly severity: Severity | undefined;
  readonly metrics: CveMetrics | undefined;
}

export interface ImportOptions {
  /** Where the data came from (path or URL), shown by `db status`. */
  readonly origin?: string;
  readonly onProgress?: (read: number) => void;
  /** Counted parse problems of this import (from the source's `issues` callback). */
  readonly skipped?: () => number;
  /** Staged changes kept in memory before spilling to a temporary file (tests lower it). */
  readonly stageMemoryBytes?: number;
}

const BATCH = 400;
const STAGE_MEMORY_BYTES = 64 * 1024 * 1024;
const KEY_CHUNK = 500;

type Db = Kysely<Database> | Transaction<Database>;

export class VulnDb {
  constructor(private readonly db: Kysely<Database>) {}

  async revision(): Promise<number> {
    const row = await this.db.selectFrom('vuln_state').select('revision').where('id', '=', 1).executeTakeFirst();
    return row?.revision ?? 0;
  }

  /** The revision and when it was made (one row; what a report is labelled with — status() counts everything). */
  async currentRevision(): Promise<{ revision: number; updatedAt: string | undefined }> {
    const row = await this.db.selectFrom('vuln_state').select(['revision', 'updated_at']).where('id', '=', 1).executeTakeFirst();
    return { revision: row?.revision ?? 0, updatedAt: row?.updated_at ?? undefined };
  }

  /**
   * Imports everything `items` yields as `source` in one transaction: a failure (corrupt archive,
   * aborted download) rolls back and the previous data stays in force.
   */
  async import(source: SourceName, items: AsyncIterable<SourceItem>, opts: ImportOptions = {}): Promise<ImportResult> {
    // Phase 1, outside any transaction: read, verify and diff the input against what is stored, and
    // stage only the changed records in a temporary file. The write lock (which registry pushes on the
    // same SQLite file wait for) is then held just for the database work of phase 2. Two concurrent
    // imports of one source could race on the diff; `db update` runs feeds one after another.
    const existing = new Map<string, { modified: string | null; hash: string }>();
    for (const r of await this.db.selectFrom('vuln_advisory').select(['record_key', 'modified', 'hash']).where('source', '=', source).execute()) {
      existing.set(r.record_key, { modified: r.modified, hash: r.hash });
    }
    // Staged lines stay in memory up to STAGE_MEMORY_BYTES and spill to a temporary file beyond that.
    let memory: string[] | undefined = [];
    let memoryBytes = 0;
    let dir: string | undefined;
    let out: WriteStream | undefined;
    let stagePath = '';
    const write = async (line: string) => {
      if (memory !== undefined) {
        memory.push(line);
        memoryBytes += line.length;
        if (memoryBytes <= (opts.stageMemoryBytes ?? STAGE_MEMORY_BYTES)) return;
        dir = await mkdtemp(join(tmpdir(), 'crowsnest-import-'));
        stagePath = join(dir, 'staged.tsv');
        out = createWriteStream(stagePath);
        const spilled = memory;
        memory = undefined;
        for (const l of spilled) if (!out.write(l)) await once(out, 'drain');
        return;
      }
      if (out !== undefined && !out.write(line)) await once(out, 'drain');
    };
    async function* stagedLines(): AsyncGenerator<string> {
      if (memory !== undefined) {
        for (const l of memory) yield l.slice(0, -1);
        return;
      }
      yield* createInterface({ input: createReadStream(stagePath), crlfDelay: Infinity });
    }
    try {
      const seen = new Set<string>();
      const snapshots: string[] = [];
      let read = 0, added = 0, updated = 0, unchanged = 0, withdrawn = 0, staged = 0;
      for await (const item of items) {
        if (item.kind === 'snapshot') {
          snapshots.push(item.prefix);
          continue;
        }
        read++;
        if (read % 1000 === 0) opts.onProgress?.(read);
        if (item.kind === 'metrics') {
          await write(`m\t${JSON.stringify(item.metrics)}\n`);
          staged++;
          continue;
        }
        const { key, advisory } = item;
        if (seen.has(key)) continue;
        seen.add(key);
        const doc = JSON.stringify(advisory);
        const hash = createHash('sha1').update(doc).digest('base64');
        const prev = existing.get(key);
        if (prev !== undefined) {
          // Incremental by `modified`; equal timestamps fall back to the content hash because some
          // feeds (golang/vulndb) publish a placeholder `modified`.
          const older = advisory.modified !== undefined && prev.modified !== null && advisory.modified < prev.modified;
          if (older || prev.hash === hash) {
            unchanged++;
            continue;
          }
          updated++;
        } else added++;
        if (advisory.withdrawn !== undefined) withdrawn++;
        // Tab-separated: JSON.stringify escapes tabs and newlines inside the document, and keys never contain them.
        await write(`a\t${prev !== undefined ? 1 : 0}\t${hash}\t${key.replace(/[\t\n]/g, ' ')}\t${doc}\n`);
        staged++;
      }
      if (out !== undefined) {
        out.end();
        await once(out, 'finish');
      }
      opts.onProgress?.(read);
      return await this.db.transaction().execute(async (trx) => {
        let batch: Pending[] = [];
        let metrics: CveMetrics[] = [];
        let metricsChanged = 0;
        // Package keys whose affected rows (or their canonical ids or info) change: their match index rows
        // are rebuilt, and with the keys of changed CVE metrics re-evaluation re-matches exactly the images holding them.
        const touched = new Set<string>();
        const metricKeys = new Set<string>();
        // Ids of the records written or removed: whose vulnerabilities' info is recomputed.
        const changedIds = new Set<string>();
        const changedCves: string[] = [];
        if (staged > 0) {
          for await (const line of stagedLines()) {
            if (line === '') continue;
            if (line.startsWith('m\t')) {
              metrics.push(JSON.parse(line.slice(2)) as CveMetrics);
              if (metrics.length >= BATCH) {
                metricsChanged += await upsertMetrics(trx, source, metrics, changedCves);
                metrics = [];
              }
              continue;
            }
            const [, replace, hash, key] = line.split('\t', 4);
            const doc = line.slice(2 + (replace ?? '').length + 1 + (hash ?? '').length + 1 + (key ?? '').length + 1);
            batch.push({ key: key ?? '', advisory: JSON.parse(doc) as Advisory, doc, hash: hash ?? '', replace: replace === '1' });
            if (batch.length >= BATCH) {
              await writeBatch(trx, source, batch, touched, changedIds);
              batch = [];
            }
          }
        }
        await writeBatch(trx, source, batch, touched, changedIds);
        if (metrics.length > 0) metricsChanged += await upsertMetrics(trx, source, metrics, changedCves);
        // A snapshot only removes what it no longer lists when it was read without problems: a skipped
        // (corrupt) entry must not make its package's records disappear.
        const gone = snapshots.length === 0 || (opts.skipped?.() ?? 0) > 0 ? [] : [...existing.keys()].filter((k) => !seen.has(k) && snapshots.some((p) => k.startsWith(p)));
        for (const keys of chunks(gone, KEY_CHUNK)) {
          await addTouched(trx, touched, { source, recordKeys: keys });
          await addRecordIds(trx, source, keys, changedIds);
          await trx.deleteFrom('vuln_affected').where('source', '=', source).where('record_key', 'in', keys).execute();
          await trx.deleteFrom('vuln_advisory').where('source', '=', source).where('record_key', 'in', keys).execute();
        }
        const changed = added + updated + gone.length + metricsChanged > 0;
        const now = new Date().toISOString();
        let revision = (await trx.selectFrom('vuln_state').select('revision').where('id', '=', 1).executeTakeFirst())?.revision ?? 0;
        for (const cves of chunks(changedCves, KEY_CHUNK)) {
          const ids = new Set(cves);
          for (const r of await trx.selectFrom('vuln_alias').select(['alias', 'canonical_id']).where((eb) => eb.or([eb('alias', 'in', cves), eb('canonical_id', 'in', cves)])).execute()) {
            ids.add(r.alias);
            ids.add(r.canonical_id);
          }
          for (const part of chunks([...ids], KEY_CHUNK)) await addTouched(trx, metricKeys, { vulnIds: part });
        }
        // A database migrated to vuln_info (0018) gets it filled by its next import, changed or not.
        let rematch: string[] | undefined = [];
        if (await infoMissing(trx)) rematch = await rebuildAliases(trx, undefined);
        else if (added + updated + gone.length > 0) rematch = await rebuildAliases(trx, changedIds);
        // Rows of untouched records change too when their id joined another vulnerability or their
        // vulnerability's info changed (a record of another source, another package).
        for (const part of chunks(rematch ?? [], KEY_CHUNK)) await addTouched(trx, touched, { vulnIds: part });
        // Every vulnerability's info was recomputed (a database migrated to 0018): the same as merged
        // at read time before, so re-evaluation needs only the written records' keys; the index, all.
        if (rematch === undefined) await rebuildMatchIndex(trx, undefined);
        else if (touched.size > 0) await rebuildMatchIndex(trx, [...touched].map(fromTouchedKey));
        for (const k of metricKeys) touched.add(k);
        if (changed) {
          revision++;
          const rows = [...touched].flatMap((k) => {
            const { ecosystem, name: pkg } = fromTouchedKey(k);
            const row = { revision, ecosystem, package: pkg };
            // Jars whose groupId is unknown are looked up (and indexed for re-evaluation) by artifactId alone.
            const artifact = ecosystem === 'Maven' ? pkg.slice(pkg.indexOf(':') + 1) : pkg;
            return artifact !== pkg ? [row, { ...row, package: artifact }] : [row];
          });
          for (const part of chunks(rows, BATCH)) await trx.insertInto('vuln_changes').values(part).onConflict((oc) => oc.doNothing()).execute();
          await trx
            .insertInto('vuln_state')
            .values({ id: 1, revision, updated_at: now })
            .onConflict((oc) => oc.column('id').doUpdateSet({ revision, updated_at: now }))
            .execute();
        }
        const result: ImportResult = {
          source,
          read,
          added,
          updated,
          unchanged,
          removed: gone.length,
          withdrawn,
          metrics: metricsChanged,
          skipped: opts.skipped?.() ?? 0,
          revision,
          changed,
          touchedPackages: changed ? touched.size : 0,
        };
        const lastChange = changed ? now : null;
        await trx
          .insertInto('vuln_source')
          .values({ source, last_update: now, last_change: lastChange, last_origin: opts.origin ?? null, last_result: JSON.stringify(result) })
          .onConflict((oc) =>
            oc.column('source').doUpdateSet((eb) => ({
              last_update: now,
              last_origin: opts.origin ?? null,
              last_result: JSON.stringify(result),
              last_change: changed ? now : eb.ref('vuln_source.last_change'),
            })),
          )
          .execute();
        return result;
      });
    } finally {
      out?.destroy();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  }

  async status(): Promise<DbStatus> {
    const state = await this.db.selectFrom('vuln_state').selectAll().where('id', '=', 1).executeTakeFirst();
    const perSource = await this.db.selectFrom('vuln_advisory').select(['source', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('source').execute();
    const sources = await this.db.selectFrom('vuln_source').selectAll().orderBy('source').execute();
    const counts = new Map(perSource.map((r) => [r.source, Number(r.n)]));
    const count = async (t: 'vuln_advisory' | 'vuln_affected') =>
      Number((await this.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
    const vulns = await this.db.selectFrom('vuln_alias').select((eb) => eb.fn.count<number>('canonical_id').distinct().as('n')).executeTakeFirst();
    const m = await this.db
      .selectFrom('vuln_cve_metrics')
      .select((eb) => [eb.fn.count<number>('nvd_vector').as('nvd'), eb.fn.count<number>('kev_date_added').as('kev'), eb.fn.count<number>('epss_score').as('epss')])
      .executeTakeFirst();
    const names = new Set([...counts.keys(), ...sources.map((s) => s.source)]);
    return {
      revision: state?.revision ?? 0,
      updatedAt: state?.updated_at ?? undefined,
      advisories: await count('vuln_advisory'),
      vulnerabilities: Number(vulns?.n ?? 0),
      affected: await count('vuln_affected'),
      metrics: { nvd: Number(m?.nvd ?? 0), kev: Number(m?.kev ?? 0), epss: Number(m?.epss ?? 0) },
      sources: [...names].sort().map((name) => {
        const s = sources.find((x) => x.source === name);
        return {
          source: name,
          advisories: counts.get(name) ?? 0,
          lastUpdate: s?.last_update,
          lastChange: s?.last_change ?? undefined,
          origin: s?.last_origin ?? undefined,
          lastResult: s ? (JSON.parse(s.last_result) as Partial<ImportResult>) : undefined,
        };
      }),
    };
  }

  /** Affected rows for the given (ecosystem, package) keys with their canonical ids, as the match index holds them. */
  async affectedFor(keys: readonly { readonly ecosystem: string; readonly name: string }[]): Promise<AffectedRow[]> {
    const byEco = new Map<string, Set<string>>();
    for (const k of keys) {
      const set = byEco.get(k.ecosystem);
      if (set) set.add(k.name);
      else byEco.set(k.ecosystem, new Set([k.name]));
    }
    const out: AffectedRow[] = [];
    for (const [ecosystem, names] of byEco) for (const r of await readMatchRows(this.db, ecosystem, [...names])) out.push({ ...r, ecosystem });
    return out;
  }

  /** The match index texts of packages of one ecosystem (src/vulndb/match-index.ts), for the matcher to decode as it goes. */
  async matchIndex(ecosystem: string, names: readonly string[]): Promise<{ package: string; affected: string }[]> {
    return readMatchIndex(this.db, ecosystem, names);
  }

  /**
   * The Maven packages advisories name, by artifactId ("spring-core" → ["org.springframework:spring-core"]):
   * how a jar without pom.properties, whose groupId is unknown, finds its advisories.
   */
  async mavenNamesByArtifact(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const name of await indexedPackages(this.db, 'Maven')) addTo(out, name.slice(name.indexOf(':') + 1), name);
    return out;
  }

  /** Canonical id of each given id (ids unknown to the alias map map to themselves). */
  async canonicalIds(ids: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const part of chunks([...new Set(ids)], KEY_CHUNK)) {
      for (const r of await this.db.selectFrom('vuln_alias').select(['alias', 'canonical_id']).where('alias', 'in', part).execute()) {
        out.set(r.alias, r.canonical_id);
      }
    }
    for (const id of ids) if (!out.has(id)) out.set(id, id);
    return out;
  }

  /**
   * Aliases, merged severity, summary and CVE metrics for canonical ids: one row per vulnerability
   * from vuln_info (decided at import) with its CVE's metrics joined in, per chunk of ids. Ids it
   * does not hold (a database not yet re-imported after migration 0018) are merged from the advisories.
   */
  async vulnInfo(canonical: readonly string[]): Promise<Map<string, VulnInfo>> {
    const wanted = [...new Set(canonical)];
    const out = new Map<string, VulnInfo>();
    for (const part of chunks(wanted, KEY_CHUNK)) {
      const rows = await this.db
        .selectFrom('vuln_info as i')
        .leftJoin('vuln_cve_metrics as m', 'm.cve', 'i.canonical_id')
        .select(['i.canonical_id', 'i.aliases', 'i.summary', 'i.severity'])
        .select(['m.cve', 'm.nvd_version', 'm.nvd_vector', 'm.nvd_score', 'm.nvd_rating', 'm.kev_date_added', 'm.epss_score', 'm.epss_percentile'])
        .where('i.canonical_id', 'in', part)
        .execute();
      for (const r of rows) {
        const id = r.canonical_id;
        out.set(id, {
          id,
          aliases: JSON.parse(r.aliases) as string[],
          ...(r.summary ? { summary: r.summary } : {}),
          severity: r.severity === null ? undefined : (JSON.parse(r.severity) as Severity),
          // A vulnerability holds at most one CVE, and then it is the canonical id (see aliases.ts).
          metrics: r.cve !== null && r.cve.startsWith('CVE-') ? metricsFromRow({ ...r, cve: r.cve }) : undefined,
        });
      }
    }
    const rest = wanted.filter((id) => !out.has(id));
    if (rest.length > 0) for (const [id, info] of await this.vulnInfoFromAdvisories(rest)) out.set(id, info);
    return out;
  }

  /** NVD, KEV and EPSS metrics of these CVE ids (the ones stored). */
  async cveMetrics(cves: readonly string[]): Promise<Map<string, CveMetrics>> {
    const out = new Map<string, CveMetrics>();
    for (const part of chunks([...new Set(cves)], KEY_CHUNK)) {
      for (const r of await this.db.selectFrom('vuln_cve_metrics').selectAll().where('cve', 'in', part).execute()) out.set(r.cve, metricsFromRow(r));
    }
    return out;
  }

  /** `vulnInfo` merged at read time: each id's alias group joined to its advisories, and their CVEs' metrics. */
  private async vulnInfoFromAdvisories(wanted: readonly string[]): Promise<Map<string, VulnInfo>> {
    const members = new Map<string, Set<string>>();
    const advisories = new Map<string, AdvisoryInfo[]>();
    const metrics = new Map<string, CveMetrics>();
    const addAdvisory = (id: string, severity: string | null, summary: string | null) => {
      const l = advisories.get(id);
      const e = { severity: severity === null ? undefined : (JSON.parse(severity) as Severity), summary };
      if (l) l.push(e);
      else advisories.set(id, [e]);
    };
    for (const part of chunks(wanted, KEY_CHUNK)) {
      const rows = await this.db
        .selectFrom('vuln_alias as a')
        .leftJoin('vuln_advisory as v', (j) => j.onRef('v.id', '=', 'a.alias').on('v.withdrawn', '=', 0))
        .select(['a.canonical_id', 'a.alias', 'v.id', 'v.severity', 'v.summary'])
        .where('a.canonical_id', 'in', part)
        .execute();
      for (const r of rows) {
        // One row per (alias, advisory of that id); an alias with several advisories repeats.
        let group = members.get(r.canonical_id);
        if (!group) members.set(r.canonical_id, (group = new Set()));
        group.add(r.alias);
        if (r.id !== null) addAdvisory(r.id, r.severity, r.summary);
      }
    }
    const unknown = wanted.filter((id) => !members.has(id));
    for (const part of chunks(unknown, KEY_CHUNK)) {
      for (const r of await this.db.selectFrom('vuln_advisory').select(['id', 'severity', 'summary']).where('id', 'in', part).where('withdrawn', '=', 0).execute()) {
        addAdvisory(r.id, r.severity, r.summary);
      }
    }
    const cves = [...new Set([...wanted, ...[...members.values()].flatMap((g) => [...g])])].filter((id) => id.startsWith('CVE-'));
    for (const [cve, m] of await this.cveMetrics(cves)) metrics.set(cve, m);
    const out = new Map<string, VulnInfo>();
    for (const id of wanted) {
      const group = members.get(id);
      const ids = group ? [...group] : [id];
      out.set(id, { ...mergeInfo(id, ids, advisories), metrics: ids.map((x) => metrics.get(x)).find((m) => m !== undefined) });
    }
    return out;
  }

  /** Every stored record of a vulnerability given any of its ids, or undefined. */
  async getVulnerability(idOrAlias: string): Promise<{ id: string; aliases: string[]; records: { source: string; advisory: Advisory }[]; metrics: CveMetrics | undefined } | undefined> {
    const canonical = (await this.canonicalIds([idOrAlias])).get(idOrAlias) ?? idOrAlias;
    const ids = [canonical, ...(await this.db.selectFrom('vuln_alias').select('alias').where('canonical_id', '=', canonical).execute()).map((r) => r.alias)];
    const rows = await this.db.selectFrom('vuln_advisory').select(['source', 'doc']).where('id', 'in', [...new Set(ids)]).execute();
    if (rows.length === 0) return undefined;
    const m = await this.db.selectFrom('vuln_cve_metrics').selectAll().where('cve', 'in', [...new Set(ids)]).executeTakeFirst();
    return {
      id: canonical,
      aliases: [...new Set(ids)].filter((x) => x !== canonical).sort(),
      records: rows.map((r) => ({ source: r.source, advisory: JSON.parse(r.doc) as Advisory })),
      metrics: m ? metricsFromRow(m) : undefined,
    };
  }
}

function metricsFromRow(r: Database['vuln_cve_metrics']): CveMetrics {
  return {
    cve: r.cve,
    ...(r.nvd_vector !== null ? { cvss: { version: r.nvd_version ?? '', vector: r.nvd_vector, ...(r.nvd_score !== null ? { score: r.nvd_score } : {}) } } : {}),
    ...(r.nvd_rating !== null ? { rating: r.nvd_rating } : {}),
    ...(r.kev_date_added !== null ? { kevDateAdded: r.kev_date_added } : {}),
    ...(r.epss_score !== null ? { epssScore: r.epss_score } : {}),
    ...(r.epss_percentile !== null ? { epssPercentile: r.epss_percentile } : {}),
  };
}

interface Pending {
  readonly key: string;
  readonly advisory: Advisory;
  readonly doc: string;
  readonly hash: string;
  readonly replace: boolean;
}

const touchedKey = (ecosystem: string, pkg: string) => `${ecosystem}\u0000${pkg}`;

function fromTouchedKey(key: string): { ecosystem: string; name: string } {
  const at = key.indexOf('\u0000');
  return { ecosystem: key.slice(0, at), name: key.slice(at + 1) };
}

/** Adds the package keys of the affected rows of these records (of `source`) or of these vulnerability ids. */
async function addTouched(trx: Db, touched: Set<string>, of: { source: string; recordKeys: readonly string[] } | { vulnIds: readonly string[] }): Promise<void> {
  let q = trx.selectFrom('vuln_affected').select(['ecosystem', 'package']).distinct();
  q = 'vulnIds' in of ? q.where('vuln_id', 'in', of.vulnIds) : q.where('source', '=', of.source).where('record_key', 'in', of.recordKeys);
  for (const r of await q.execute()) touched.add(touchedKey(r.ecosystem, r.package));
}

/** Adds the ids of these stored records (of `source`), before they are replaced or removed. */
async function addRecordIds(trx: Db, source: string, recordKeys: readonly string[], ids: Set<string>): Promise<void> {
  for (const r of await trx.selectFrom('vuln_advisory').select('id').where('source', '=', source).where('record_key', 'in', recordKeys).execute()) ids.add(r.id);
}

async function writeBatch(trx: Db, source: string, batch: readonly Pending[], touched: Set<string>, changedIds: Set<string>): Promise<void> {
  if (batch.length === 0) return;
  for (const b of batch) changedIds.add(b.advisory.id);
  const replaced = batch.filter((b) => b.replace).map((b) => b.key);
  for (const keys of chunks(replaced, KEY_CHUNK)) {
    await addTouched(trx, touched, { source, recordKeys: keys });
    await addRecordIds(trx, source, keys, changedIds);
    await trx.deleteFrom('vuln_affected').where('source', '=', source).where('record_key', 'in', keys).execute();
    await trx.deleteFrom('vuln_advisory').where('source', '=', source).where('record_key', 'in', keys).execute();
  }
  const advisories = batch.map(({ key, advisory: a, doc, hash }) => ({
    source,
    record_key: key,
    id: a.id,
    aliases: JSON.stringify(a.aliases),
    modified: a.modified ?? null,
    hash,
    withdrawn: a.withdrawn !== undefined ? 1 : 0,
    summary: a.summary ?? null,
    severity: a.severity ? JSON.stringify(a.severity) : null,
    doc,
  }));
  await insertRows(trx, 'vuln_advisory', ['source', 'record_key', 'id', 'aliases', 'modified', 'hash', 'withdrawn', 'summary', 'severity', 'doc'], advisories, BATCH);
  // Withdrawn records keep their document (the API shows them) but get no affected rows: they never match.
  const rows = batch.flatMap(({ key, advisory: a }) =>
    a.withdrawn !== undefined
      ? []
      : a.affected.map((x) => ({
          source,
          record_key: key,
          vuln_id: a.id,
          ecosystem: x.ecosystem,
          package: x.name,
          status: x.status,
          ranges: JSON.stringify(x.ranges),
          versions: JSON.stringify(x.versions),
          severity: x.severity ?? null,
        })),
  );
  for (const r of rows) touched.add(touchedKey(r.ecosystem, r.package));
  await insertRows(trx, 'vuln_affected', ['source', 'record_key', 'vuln_id', 'ecosystem', 'package', 'status', 'ranges', 'versions', 'severity'], rows, BATCH);
}

type MetricsRow = Database['vuln_cve_metrics'];

async function upsertMetrics(trx: Db, source: string, list: readonly CveMetrics[], changedCves: string[]): Promise<number> {
  const byCve = new Map<string, CveMetrics>();
  for (const m of list) byCve.set(m.cve, m);
  const existing = new Map<string, MetricsRow>();
  for (const r of await trx.selectFrom('vuln_cve_metrics').selectAll().where('cve', 'in', [...byCve.keys()]).execute()) existing.set(r.cve, r);
  const changed: MetricsRow[] = [];
  for (const m of byCve.values()) {
    const base: MetricsRow = existing.get(m.cve) ?? {
      cve: m.cve, nvd_version: null, nvd_vector: null, nvd_score: null, nvd_rating: null, kev_date_added: null, epss_score: null, epss_percentile: null,
    };
    const next: MetricsRow = { ...base };
    // Each feed owns its own columns, so NVD, KEV and EPSS imports never overwrite one another.
    if (source === 'nvd') {
      next.nvd_version = m.cvss?.version ?? null;
      next.nvd_vector = m.cvss?.vector ?? null;
      next.nvd_score = m.cvss?.score ?? null;
      next.nvd_rating = m.rating ?? null;
    } else if (source === 'kev') next.kev_date_added = m.kevDateAdded ?? null;
    else if (source === 'epss') {
      next.epss_score = m.epssScore ?? null;
      next.epss_percentile = m.epssPercentile ?? null;
    }
    if (JSON.stringify(next) !== JSON.stringify(base) || !existing.has(m.cve)) changed.push(next);
  }
  for (const c of changed) changedCves.push(c.cve);
  for (const part of chunks(changed, BATCH)) {
    await trx
      .insertInto('vuln_cve_metrics')
      .values(part)
      .onConflict((oc) =>
        oc.column('cve').doUpdateSet((eb) => ({
          nvd_version: eb.ref('excluded.nvd_version'),
          nvd_vector: eb.ref('excluded.nvd_vector'),
          nvd_score: eb.ref('excluded.nvd_score'),
          nvd_rating: eb.ref('excluded.nvd_rating'),
          kev_date_added: eb.ref('excluded.kev_date_added'),
          epss_score: eb.ref('excluded.epss_score'),
          epss_percentile: eb.ref('excluded.epss_percentile'),
        })),
      )
      .execute();
  }
  return changed.length;
}

/** What one advisory contributes to its vulnerability's info. */
interface AdvisoryInfo {
  readonly severity: Severity | undefined;
  readonly summary: string | null;
}

/**
 * A vulnerability's aliases, summary and severity over the advisories of its ids (`ids` in alias-map
 * order, each id's advisories in stored order): the first rating and summary, every CVSS vector.
 */
function mergeInfo(id: string, ids: readonly string[], advisories: ReadonlyMap<string, readonly AdvisoryInfo[]>): Omit<VulnInfo, 'metrics'> {
  const entries = ids.flatMap((x) => advisories.get(x) ?? []);
  const cvss = entries.flatMap((e) => e.severity?.cvss ?? []);
  const rating = entries.map((e) => e.severity?.rating).find((r) => r !== undefined);
  const summary = entries.map((e) => e.summary).find((s) => s !== null && s !== undefined);
  return {
    id,
    aliases: ids.filter((x) => x !== id).sort(),
    ...(summary ? { summary } : {}),
    severity: cvss.length > 0 || rating !== undefined ? { ...(rating !== undefined ? { rating } : {}), ...(cvss.length > 0 ? { cvss } : {}) } : undefined,
  };
}

/** Whether vuln_info is empty while there are vulnerabilities (a database just migrated to 0018). */
async function infoMissing(trx: Db): Promise<boolean> {
  if ((await trx.selectFrom('vuln_info').select('canonical_id').limit(1).executeTakeFirst()) !== undefined) return false;
  return (await trx.selectFrom('vuln_alias').select('alias').limit(1).executeTakeFirst()) !== undefined;
}

/**
 * Recomputes the whole alias map from the stored records (cheap next to an import; keeps it
 * consistent), writing only the aliases that changed, and the info of the vulnerabilities that may
 * have changed: those holding an id of `changedIds` (records written or removed) or an alias that
 * moved. `changedIds` undefined recomputes every vulnerability's info (a database migrated to 0018).
 * Returns the ids whose affected rows now match differently: those whose canonical id changed (an id
 * absent from the map is its own) and every id of a vulnerability whose info changed; undefined when
 * every vulnerability was recomputed.
 */
async function rebuildAliases(trx: Db, changedIds: ReadonlySet<string> | undefined): Promise<string[] | undefined> {
  const rows = await trx.selectFrom('vuln_advisory').select(['id', 'aliases']).execute();
  const map = unifyAliases(rows.map((r) => ({ id: r.id, aliases: JSON.parse(r.aliases) as string[] })));
  const oldAliases = new Map<string, string>();
  for (const r of await trx.selectFrom('vuln_alias').select(['alias', 'canonical_id']).execute()) oldAliases.set(r.alias, r.canonical_id);
  const staleAliases: string[] = [];
  for (const [alias, canonical] of oldAliases) if (map.get(alias) !== canonical) staleAliases.push(alias);
  for (const part of chunks(staleAliases, KEY_CHUNK)) await trx.deleteFrom('vuln_alias').where('alias', 'in', part).execute();
  const newAliases: { alias: string; canonical_id: string }[] = [];
  for (const [alias, canonical_id] of map) if (oldAliases.get(alias) !== canonical_id) newAliases.push({ alias, canonical_id });
  await insertRows(trx, 'vuln_alias', ['alias', 'canonical_id'], newAliases, BATCH);
  const moved = [...new Set([...staleAliases, ...newAliases.map((a) => a.alias)])].filter((id) => (oldAliases.get(id) ?? id) !== (map.get(id) ?? id));

  // The vulnerabilities to recompute (by their new canonical id) and the old rows to drop.
  const recompute = new Set<string>();
  const drop = new Set<string>();
  const mark = (id: string) => {
    const now = map.get(id);
    if (now !== undefined) recompute.add(now);
    const before = oldAliases.get(id);
    if (before !== undefined) {
      drop.add(before);
      const moved = map.get(before);
      if (moved !== undefined) recompute.add(moved);
    }
  };
  // The info rows being replaced: ids of vulnerabilities whose info really changed match differently.
  const before = new Map<string, Database['vuln_info']>();
  if (changedIds === undefined) {
    await trx.deleteFrom('vuln_info').execute();
    for (const canonical of map.values()) recompute.add(canonical);
  } else {
    for (const id of changedIds) mark(id);
    for (const alias of staleAliases) mark(alias);
    for (const { alias } of newAliases) mark(alias);
    for (const part of chunks([...new Set([...drop, ...recompute])], KEY_CHUNK)) {
      for (const r of await trx.selectFrom('vuln_info').selectAll().where('canonical_id', 'in', part).execute()) before.set(r.canonical_id, r);
      await trx.deleteFrom('vuln_info').where('canonical_id', 'in', part).execute();
    }
  }
  // Members in alias-map order, each id's advisories in stored order: the order mergeInfo picks by.
  const groups = new Map<string, string[]>();
  for (const [alias, canonical] of map) {
    if (!recompute.has(canonical)) continue;
    const g = groups.get(canonical);
    if (g) g.push(alias);
    else groups.set(canonical, [alias]);
  }
  const advisories = new Map<string, AdvisoryInfo[]>();
  const addAdvisories = (list: readonly { id: string; severity: string | null; summary: string | null }[]) => {
    for (const r of list) {
      if (!recompute.has(map.get(r.id) ?? r.id)) continue;
      const e = { severity: r.severity === null ? undefined : (JSON.parse(r.severity) as Severity), summary: r.summary };
      const l = advisories.get(r.id);
      if (l) l.push(e);
      else advisories.set(r.id, [e]);
    }
  };
  const selectInfo = () => trx.selectFrom('vuln_advisory').select(['id', 'severity', 'summary']).where('withdrawn', '=', 0);
  const members = [...groups.values()].flat();
  // Many ids (a first import, a large update): one scan beats indexed lookups by the thousand.
  if (members.length * 8 > rows.length) addAdvisories(await selectInfo().execute());
  else for (const part of chunks(members, KEY_CHUNK)) addAdvisories(await selectInfo().where('id', 'in', part).execute());
  const info: Database['vuln_info'][] = [];
  const rematch = new Set(moved);
  for (const [canonical, ids] of groups) {
    const m = mergeInfo(canonical, ids, advisories);
    const row = { canonical_id: canonical, aliases: JSON.stringify(m.aliases), summary: m.summary ?? null, severity: m.severity === undefined ? null : JSON.stringify(m.severity) };
    info.push(row);
    const old = before.get(canonical);
    if (old?.aliases !== row.aliases || old.summary !== row.summary || old.severity !== row.severity) for (const id of ids) rematch.add(id);
  }
  await insertRows(trx, 'vuln_info', ['canonical_id', 'aliases', 'summary', 'severity'], info, BATCH);
  return changedIds === undefined ? undefined : [...rematch];
}
