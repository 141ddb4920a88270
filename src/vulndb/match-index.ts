/**
 * The match index (vuln_match, migration 0020): one row per (ecosystem, package) holding every affected
 * row of that key with its canonical id, as one compact text. Matching an SBOM then reads one indexed
 * row per package instead of one per affected row plus its alias (a 1,000-package SBOM meets ~5,000
 * affected rows), and decoding it allocates only the row objects. It is derived data: imports rebuild
 * it for the keys whose rows were written or removed or whose alias group moved, in the same transaction.
 *
 * Text format (own, not JSON: splitting on two separators leaves the big fields as slices of the text,
 * where JSON.parse would build every range and listed version): rows separated by "\n", fields by "\t":
 * canonical id, source, id, status, severity ("" for none), ranges JSON, versions JSON. JSON text never
 * holds a raw tab or newline; the other fields are written as JSON strings when they hold one (or start
 * with a quote), which decoding recognizes by the leading quote.
 */
import type { Kysely, Transaction } from 'kysely';
import { addTo, chunks } from '../core/collections.js';
import type { Database } from '../metadata/kysely/schema/index.js';

type Db = Kysely<Database> | Transaction<Database>;

/** One affected row as the matcher reads it. */
export interface MatchRow {
  readonly source: string;
  readonly vulnId: string;
  readonly package: string;
  readonly status: string;
  /** JSON AffectedRange[]. */
  readonly ranges: string;
  /** JSON string[]. */
  readonly versions: string;
  readonly severity: string | null;
  /** The vulnerability's canonical id (the alias map's, else `vulnId` itself). */
  readonly canonicalId: string;
}

const KEY_CHUNK = 500;
const INSERT_BATCH = 200;

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const NEEDS_QUOTING = /[\t\n]|^"/;

function field(value: string): string {
  return NEEDS_QUOTING.test(value) ? JSON.stringify(value) : value;
}

function unfield(text: string): string {
  return text.charCodeAt(0) === 34 ? (JSON.parse(text) as string) : text;
}

/** One key's rows as index text (rows in the order given, which is the order matching prefers them in). */
export function encodeMatchRows(rows: readonly Omit<MatchRow, 'package'>[]): string {
  return rows
    .map((r) => `${field(r.canonicalId)}\t${field(r.source)}\t${field(r.vulnId)}\t${field(r.status)}\t${r.severity === null ? '' : field(r.severity)}\t${r.ranges}\t${r.versions}`)
    .join('\n');
}

/** Appends the rows of one key's index text to `out`. */
export function decodeMatchRows(pkg: string, text: string, out: MatchRow[]): void {
  for (const line of text.split('\n')) {
    const f = line.split('\t');
    if (f.length !== 7) throw new Error(`corrupt match index row for ${pkg}: ${f.length} fields`);
    const severity = f[4] as string;
    out.push({
      canonicalId: unfield(f[0] as string),
      source: unfield(f[1] as string),
      vulnId: unfield(f[2] as string),
      status: unfield(f[3] as string),
      severity: severity === '' ? null : unfield(severity),
      ranges: f[5] as string,
      versions: f[6] as string,
      package: pkg,
    });
  }
}

/** The indexed rows of these packages of one ecosystem, grouped by package (each key's rows in index order). */
export async function readMatchRows(db: Db, ecosystem: string, names: readonly string[]): Promise<MatchRow[]> {
  const out: MatchRow[] = [];
  for (const part of chunks([...new Set(names)], KEY_CHUNK)) {
    const rows = await db.selectFrom('vuln_match').select(['package', 'affected']).where('ecosystem', '=', ecosystem).where('package', 'in', part).execute();
    for (const r of rows) decodeMatchRows(r.package, r.affected, out);
  }
  return out;
}

/** The package names the index holds in one ecosystem. */
export async function indexedPackages(db: Db, ecosystem: string): Promise<string[]> {
  return (await db.selectFrom('vuln_match').select('package').where('ecosystem', '=', ecosystem).execute()).map((r) => r.package);
}

/**
 * Rebuilds the index rows of these package keys from vuln_affected and the alias map (a key with no
 * affected rows left loses its row); `undefined` rebuilds every key. Rows of a key are ordered by
 * source, record and ranges so that every database, SQLite or PostgreSQL, prefers the same row.
 */
export async function rebuildMatchIndex(db: Db, keys: Iterable<{ readonly ecosystem: string; readonly name: string }> | undefined): Promise<void> {
  const byEcosystem = new Map<string, string[]>();
  if (keys === undefined) {
    await db.deleteFrom('vuln_match').execute();
    for (const r of await db.selectFrom('vuln_affected').select(['ecosystem', 'package']).distinct().execute()) addTo(byEcosystem, r.ecosystem, r.package);
  } else {
    for (const k of keys) addTo(byEcosystem, k.ecosystem, k.name);
  }
  for (const [ecosystem, names] of byEcosystem) {
    for (const part of chunks([...new Set(names)], KEY_CHUNK)) {
      if (keys !== undefined) await db.deleteFrom('vuln_match').where('ecosystem', '=', ecosystem).where('package', 'in', part).execute();
      const rows = await db
        .selectFrom('vuln_affected as f')
        .leftJoin('vuln_alias as a', 'a.alias', 'f.vuln_id')
        .select((eb) => ['f.source', 'f.record_key', 'f.vuln_id as vulnId', 'f.package', 'f.status', 'f.ranges', 'f.versions', 'f.severity', eb.fn.coalesce('a.canonical_id', 'f.vuln_id').as('canonicalId')])
        .where('f.ecosystem', '=', ecosystem)
        .where('f.package', 'in', part)
        .execute();
      // Sorted here, not in SQL: PostgreSQL would order text by its locale's collation.
      rows.sort((x, y) => byText(x.package, y.package) || byText(x.source, y.source) || byText(x.record_key, y.record_key) || byText(x.ranges, y.ranges) || byText(x.versions, y.versions));
      const docs: Database['vuln_match'][] = [];
      let start = 0;
      for (let i = 1; i <= rows.length; i++) {
        const first = rows[start] as MatchRow;
        if (i < rows.length && rows[i]?.package === first.package) continue;
        docs.push({ ecosystem, package: first.package, affected: encodeMatchRows(rows.slice(start, i)) });
        start = i;
      }
      for (const batch of chunks(docs, INSERT_BATCH)) await db.insertInto('vuln_match').values(batch).execute();
    }
  }
}
