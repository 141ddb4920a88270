/**
 * The match index (vuln_match, migration 0020): one row per (ecosystem, package) holding every affected
 * row of that key with its canonical id and, once per vulnerability, its info (vuln_info: aliases,
 * summary, merged severity), as one compact text. Matching an SBOM then reads one indexed row per
 * package instead of one per affected row plus its alias and one per vulnerability (a 1,000-package SBOM
 * meets ~5,000 affected rows of ~2,000 vulnerabilities). It is derived data: imports rebuild it, in the
 * same transaction, for the keys whose rows were written or removed or whose vulnerabilities' canonical
 * id or info changed. CVE metrics (NVD, KEV, EPSS) stay out: EPSS alone changes every CVE daily.
 *
 * Text format (own, not JSON: a reader finds the fields by their separators and slices only the ones it
 * needs, where JSON.parse would build every row, range and listed version): rows separated by "\n",
 * fields by "\t": canonical id, source, id, status, severity ("" for none), ranges, versions JSON, then
 * on the first row of each vulnerability its aliases JSON, summary and severity JSON ("" for none;
 * aliases "" when vuln_info has no row for it). Ranges are written compactly — per range its type
 * letter (S SEMVER, E ECOSYSTEM), then per event "," + kind letter (i introduced, f fixed,
 * l last_affected, m limit) + version, ranges joined by ";" — without GIT ranges, which matching skips;
 * as JSON when a version holds a separator. JSON text never holds a raw tab or newline; the other
 * fields are written as JSON strings when they hold one (or start with a quote), which reading
 * recognizes by the leading quote.
 */
import type { Kysely, Transaction } from 'kysely';
import { addTo, chunks } from '../core/collections.js';
import { insertRows } from '../metadata/kysely/bulk-insert.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { AffectedRange } from './advisory.js';
import { flatten, prepareRanges, type Ev, type PreparedRange } from './match/osv-ranges.js';

type Db = Kysely<Database> | Transaction<Database>;

/** A vulnerability's vuln_info row as the index holds it (JSON fields left unparsed until a finding needs them). */
export interface IndexedInfo {
  /** JSON string[]. */
  readonly aliases: string;
  readonly summary: string | null;
  /** JSON Severity, or null. */
  readonly severity: string | null;
}

/** An affected row as stored (vuln_affected joined to the alias map and vuln_info): what the index is built from. */
export interface StoredMatchRow {
  readonly source: string;
  readonly vulnId: string;
  readonly status: string;
  readonly severity: string | null;
  /** JSON AffectedRange[]. */
  readonly ranges: string;
  /** JSON string[]. */
  readonly versions: string;
  /** The vulnerability's canonical id (the alias map's, else `vulnId` itself). */
  readonly canonicalId: string;
  readonly info?: IndexedInfo;
}

/** An index row read back whole (tests, diagnostics); the matcher reads fields through IndexRows. */
export interface MatchRow extends Omit<StoredMatchRow, 'ranges'> {
  readonly package: string;
  /** The non-GIT ranges, events in stored order. */
  readonly ranges: readonly PreparedRange[];
}

const KEY_CHUNK = 500;
const INSERT_BATCH = 200;
const FIELDS = 10;

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const NEEDS_QUOTING = /[\t\n]|^"/;

function field(value: string): string {
  return NEEDS_QUOTING.test(value) ? JSON.stringify(value) : value;
}

function unfield(text: string): string {
  return text.charCodeAt(0) === 34 ? (JSON.parse(text) as string) : text;
}

const optional = (value: string | null) => (value === null ? '' : field(value));
const unoptional = (text: string) => (text === '' ? null : unfield(text));

const TYPE_LETTER = { SEMVER: 'S', ECOSYSTEM: 'E' } as const;
const KIND_LETTER: Record<Ev['kind'], string> = { introduced: 'i', fixed: 'f', last_affected: 'l', limit: 'm' };
const KIND_OF: Record<string, Ev['kind']> = { i: 'introduced', f: 'fixed', l: 'last_affected', m: 'limit' };
const COMPACT_UNSAFE = /[,;\t\n]/;

/** Ranges JSON as the index writes it: compact, or the JSON itself when a version holds a separator. */
export function encodeRanges(json: string): string {
  let ranges: AffectedRange[];
  try {
    ranges = JSON.parse(json) as AffectedRange[];
  } catch {
    return '[]';
  }
  const parts: string[] = [];
  for (const r of ranges) {
    if (r.type === 'GIT') continue;
    // A range type this format has no letter for stays JSON, read as before.
    const letter: string | undefined = (TYPE_LETTER as Record<string, string>)[r.type];
    if (letter === undefined) return json;
    let part = letter;
    for (const e of r.events) {
      const ev = flatten(e);
      if (COMPACT_UNSAFE.test(ev.v)) return json;
      part += `,${KIND_LETTER[ev.kind]}${ev.v}`;
    }
    parts.push(part);
  }
  return parts.join(';');
}

/** The non-GIT ranges of an index ranges field (an unreadable one has none: the row then matches by its versions list only). */
export function decodeRanges(text: string): PreparedRange[] {
  if (text.charCodeAt(0) === 91) {
    try {
      return prepareRanges(JSON.parse(text) as AffectedRange[]);
    } catch {
      return [];
    }
  }
  const out: PreparedRange[] = [];
  if (text === '') return out;
  for (const part of text.split(';')) {
    const items = part.split(',');
    const type = items[0] === 'S' ? 'SEMVER' : items[0] === 'E' ? 'ECOSYSTEM' : undefined;
    if (type === undefined) continue;
    const events: Ev[] = [];
    for (let i = 1; i < items.length; i++) {
      const item = items[i] as string;
      const kind = KIND_OF[item.charAt(0)];
      if (kind !== undefined) events.push({ kind, v: item.slice(1) });
    }
    out.push({ type, events });
  }
  return out;
}

/**
 * One key's rows as index text, in the order given (which is the order matching prefers them in; a
 * vulnerability's rows consecutive). Info is written on the first row of each vulnerability. `encoded`
 * remembers ranges already encoded (shared by the keys of one rebuild).
 */
export function encodeMatchRows(rows: readonly StoredMatchRow[], encoded: Map<string, string> = new Map()): string {
  let last: string | undefined;
  return rows
    .map((r) => {
      const first = r.canonicalId !== last;
      last = r.canonicalId;
      const info = first && r.info !== undefined ? `${field(r.info.aliases)}\t${optional(r.info.summary)}\t${optional(r.info.severity)}` : '\t\t';
      let ranges = encoded.get(r.ranges);
      if (ranges === undefined) encoded.set(r.ranges, (ranges = encodeRanges(r.ranges)));
      return `${field(r.canonicalId)}\t${field(r.source)}\t${field(r.vulnId)}\t${field(r.status)}\t${optional(r.severity)}\t${ranges}\t${r.versions}\t${info}`;
    })
    .join('\n');
}

/**
 * A key's index text read in place: the field offsets of every row are found once (no strings made),
 * and a field is sliced only when asked for — matching reads the ranges of every row but the ids,
 * severity and info only of the rows that match.
 */
export class IndexRows {
  readonly length: number;
  /** Per row, the start of each field and the end of the row (a plain array: small integers stay on the JS heap, no buffer per key). */
  private readonly at: number[];

  constructor(
    readonly pkg: string,
    private readonly text: string,
  ) {
    const at: number[] = (this.at = []);
    for (let pos = 0; pos <= text.length; ) {
      const newline = text.indexOf('\n', pos);
      const end = newline < 0 ? text.length : newline;
      let start = pos;
      for (let f = 0; f < FIELDS; f++) {
        at.push(start);
        if (f === FIELDS - 1) break;
        const tab = text.indexOf('\t', start);
        if (tab < 0 || tab > end) throw new Error(`corrupt match index row for ${pkg}: ${f + 1} fields`);
        start = tab + 1;
      }
      const extra = text.indexOf('\t', start);
      if (extra >= 0 && extra < end) throw new Error(`corrupt match index row for ${pkg}: more than ${FIELDS} fields`);
      at.push(end);
      pos = end + 1;
    }
    this.length = at.length / (FIELDS + 1);
  }

  private start(row: number, f: number): number {
    return this.at[row * (FIELDS + 1) + f] as number;
  }

  /** Where field `f` of a row ends (its separator, or the end of the row). */
  private end(row: number, f: number): number {
    const base = row * (FIELDS + 1);
    return f === FIELDS - 1 ? (this.at[base + FIELDS] as number) : (this.at[base + f + 1] as number) - 1;
  }

  private raw(row: number, f: number): string {
    return this.text.slice(this.start(row, f), this.end(row, f));
  }

  /** Whether field `f` of two rows holds the same text (compared in place). */
  private same(a: number, b: number, f: number): boolean {
    const sa = this.start(a, f);
    const sb = this.start(b, f);
    const len = this.end(a, f) - sa;
    if (this.end(b, f) - sb !== len) return false;
    for (let i = 0; i < len; i++) if (this.text.charCodeAt(sa + i) !== this.text.charCodeAt(sb + i)) return false;
    return true;
  }

  /** Whether field `f` of a row is exactly `value` as written (a value needing no quoting). */
  private is(row: number, f: number, value: string): boolean {
    const s = this.start(row, f);
    return this.end(row, f) - s === value.length && this.text.startsWith(value, s);
  }

  /** Whether two rows are of the same vulnerability. */
  sameVulnerability(a: number, b: number): boolean {
    return this.same(a, b, 0);
  }

  canonicalId(row: number): string {
    return unfield(this.raw(row, 0));
  }

  source(row: number): string {
    return unfield(this.raw(row, 1));
  }

  vulnId(row: number): string {
    return unfield(this.raw(row, 2));
  }

  status(row: number): string {
    return unfield(this.raw(row, 3));
  }

  statusIs(row: number, status: string): boolean {
    return this.is(row, 3, status);
  }

  severity(row: number): string | null {
    return unoptional(this.raw(row, 4));
  }

  /** The ranges field as written (decodeRanges reads it); identical ranges give identical text. */
  rangesText(row: number): string {
    return this.raw(row, 5);
  }

  /** The explicit versions, JSON string[]. */
  versions(row: number): string {
    return this.raw(row, 6);
  }

  hasVersions(row: number): boolean {
    return !this.is(row, 6, '[]');
  }

  /** The vulnerability's info, on the first row of each vulnerability when vuln_info has it. */
  info(row: number): IndexedInfo | undefined {
    const aliases = this.raw(row, 7);
    return aliases === '' ? undefined : { aliases: unfield(aliases), summary: unoptional(this.raw(row, 8)), severity: unoptional(this.raw(row, 9)) };
  }

  /** One row whole. */
  row(row: number): MatchRow {
    const info = this.info(row);
    return {
      canonicalId: this.canonicalId(row),
      source: this.source(row),
      vulnId: this.vulnId(row),
      status: this.status(row),
      severity: this.severity(row),
      ranges: decodeRanges(this.rangesText(row)),
      versions: this.versions(row),
      package: this.pkg,
      ...(info !== undefined ? { info } : {}),
    };
  }
}

/** The index texts of these packages of one ecosystem (packages without advisories have none). */
export async function readMatchIndex(db: Db, ecosystem: string, names: readonly string[]): Promise<{ package: string; affected: string }[]> {
  const out: { package: string; affected: string }[] = [];
  for (const part of chunks([...new Set(names)], KEY_CHUNK)) {
    for (const r of await db.selectFrom('vuln_match').select(['package', 'affected']).where('ecosystem', '=', ecosystem).where('package', 'in', part).execute()) out.push(r);
  }
  return out;
}

/** The indexed rows of these packages of one ecosystem, read whole: a package's rows are consecutive, and within them a vulnerability's. */
export async function readMatchRows(db: Db, ecosystem: string, names: readonly string[]): Promise<MatchRow[]> {
  const out: MatchRow[] = [];
  for (const r of await readMatchIndex(db, ecosystem, names)) {
    const rows = new IndexRows(r.package, r.affected);
    for (let i = 0; i < rows.length; i++) out.push(rows.row(i));
  }
  return out;
}

/** The package names the index holds in one ecosystem. */
export async function indexedPackages(db: Db, ecosystem: string): Promise<string[]> {
  return (await db.selectFrom('vuln_match').select('package').where('ecosystem', '=', ecosystem).execute()).map((r) => r.package);
}

/**
 * Rebuilds the index rows of these package keys from vuln_affected and the alias map (a key with no
 * affected rows left loses its row); `undefined` rebuilds every key. A key's rows are ordered by
 * canonical id (a vulnerability's rows are consecutive: readers group them in one pass), then source,
 * record and ranges, so that every database, SQLite or PostgreSQL, prefers the same row.
 */
export async function rebuildMatchIndex(db: Db, keys: Iterable<{ readonly ecosystem: string; readonly name: string }> | undefined): Promise<void> {
  const byEcosystem = new Map<string, string[]>();
  if (keys === undefined) {
    await db.deleteFrom('vuln_match').execute();
    for (const r of await db.selectFrom('vuln_affected').select(['ecosystem', 'package']).distinct().execute()) addTo(byEcosystem, r.ecosystem, r.package);
  } else {
    for (const k of keys) addTo(byEcosystem, k.ecosystem, k.name);
  }
  // Re-published copies of an advisory (GO-… and GHSA-…) carry identical ranges: encoded once.
  const encoded = new Map<string, string>();
  for (const [ecosystem, names] of byEcosystem) {
    for (const part of chunks([...new Set(names)], KEY_CHUNK)) {
      if (keys !== undefined) await db.deleteFrom('vuln_match').where('ecosystem', '=', ecosystem).where('package', 'in', part).execute();
      const found = await db
        .selectFrom('vuln_affected as f')
        .leftJoin('vuln_alias as a', 'a.alias', 'f.vuln_id')
        .leftJoin('vuln_info as i', (j) => j.on((eb) => eb('i.canonical_id', '=', eb.fn.coalesce('a.canonical_id', 'f.vuln_id'))))
        .select((eb) => [
          'f.source',
          'f.record_key',
          'f.vuln_id as vulnId',
          'f.package',
          'f.status',
          'f.ranges',
          'f.versions',
          'f.severity',
          eb.fn.coalesce('a.canonical_id', 'f.vuln_id').as('canonicalId'),
          'i.aliases as infoAliases',
          'i.summary as infoSummary',
          'i.severity as infoSeverity',
        ])
        .where('f.ecosystem', '=', ecosystem)
        .where('f.package', 'in', part)
        .execute();
      const rows = found.map(({ infoAliases, infoSummary, infoSeverity, ...r }) => ({
        ...r,
        ...(infoAliases !== null ? { info: { aliases: infoAliases, summary: infoSummary, severity: infoSeverity } } : {}),
      }));
      // Sorted here, not in SQL: PostgreSQL would order text by its locale's collation.
      rows.sort(
        (x, y) =>
          byText(x.package, y.package) ||
          byText(x.canonicalId, y.canonicalId) ||
          byText(x.source, y.source) ||
          byText(x.record_key, y.record_key) ||
          byText(x.ranges, y.ranges) ||
          byText(x.versions, y.versions),
      );
      const docs: Database['vuln_match'][] = [];
      let start = 0;
      for (let i = 1; i <= rows.length; i++) {
        const first = rows[start] as (typeof rows)[number];
        if (i < rows.length && rows[i]?.package === first.package) continue;
        docs.push({ ecosystem, package: first.package, affected: encodeMatchRows(rows.slice(start, i), encoded) });
        start = i;
      }
      await insertRows(db, 'vuln_match', ['ecosystem', 'package', 'affected'], docs, INSERT_BATCH);
    }
  }
}
