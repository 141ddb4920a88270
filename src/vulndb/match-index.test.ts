import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../test/helpers/shared.js';
import { vulndbMatchIndexMigration } from '../metadata/kysely/migrations/0020-vulndb-match-index.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { Advisory, AffectedRange } from './advisory.js';
import type { SourceItem } from './advisory-source.js';
import { decodeRanges, encodeMatchRows, encodeRanges, IndexRows, rebuildMatchIndex, type MatchRow, type StoredMatchRow } from './match-index.js';
import { prepareRanges } from './match/osv-ranges.js';
import { osvSource } from './sources/osv-source.js';
import { memoryDb } from './test-helpers.js';
import { VulnDb } from './vulndb-store.js';

async function* items(list: readonly Advisory[], snapshot?: string): AsyncGenerator<SourceItem> {
  if (snapshot !== undefined) yield { kind: 'snapshot', prefix: snapshot };
  for (const a of list) yield { kind: 'advisory', key: `${snapshot ?? ''}${a.id}`, advisory: a };
}

const adv = (id: string, aliases: string[], pkg: string, fixed = '2.0'): Advisory => ({
  id,
  aliases,
  references: [],
  affected: [{ ecosystem: 'PyPI', name: pkg, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }], versions: ['1.0', '1.5'], status: 'affected' }],
});

/** Every row of one key's index text, read whole. */
function decode(pkg: string, text: string): MatchRow[] {
  const rows = new IndexRows(pkg, text);
  return Array.from({ length: rows.length }, (_, i) => rows.row(i));
}

/** Ranges JSON as matching sees it (GIT ranges dropped, events flattened), for comparing with the index. */
const prepared = (json: string) => JSON.stringify(prepareRanges(JSON.parse(json) as AffectedRange[]));

/** The index as stored, one entry per key. */
const indexRows = (db: Kysely<Database>) => db.selectFrom('vuln_match').selectAll().orderBy('ecosystem').orderBy('package').execute();

const infoLine = (canonical: string, i: { aliases: string; summary: string | null; severity: string | null }) => `info ${canonical} ${i.aliases} ${i.summary} ${i.severity}`;

/** What the index must hold: every affected row with its canonical id and each vulnerability's info, straight from the tables. */
async function joined(db: Kysely<Database>): Promise<Map<string, string[]>> {
  const rows = await db
    .selectFrom('vuln_affected as f')
    .leftJoin('vuln_alias as a', 'a.alias', 'f.vuln_id')
    .select((eb) => ['f.ecosystem', 'f.package', 'f.vuln_id', 'f.ranges', eb.fn.coalesce('a.canonical_id', 'f.vuln_id').as('canonical')])
    .execute();
  const info = new Map((await db.selectFrom('vuln_info').selectAll().execute()).map((i) => [i.canonical_id, i]));
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    const key = `${r.ecosystem}/${r.package}`;
    const lines = out.get(key) ?? out.set(key, new Set()).get(key);
    lines?.add(`${r.vuln_id}>${r.canonical} ${prepared(r.ranges)}`);
    const i = info.get(r.canonical);
    if (i) lines?.add(infoLine(r.canonical, i));
  }
  return new Map([...out].map(([k, v]) => [k, [...v].sort()]));
}

async function decoded(db: Kysely<Database>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const r of await indexRows(db)) {
    const rows = decode(r.package, r.affected);
    const lines = rows.map((x) => `${x.vulnId}>${x.canonicalId} ${JSON.stringify(x.ranges)}`);
    for (const x of rows) if (x.info) lines.push(infoLine(x.canonicalId, x.info));
    out.set(`${r.ecosystem}/${r.package}`, lines.sort());
  }
  return out;
}

describe('match index', () => {
  let db: Kysely<Database>;
  let store: VulnDb;
  beforeEach(async () => {
    db = await memoryDb();
    store = new VulnDb(db);
  });
  afterEach(() => db.destroy());

  it('round-trips rows whose ids hold tabs, newlines or a leading quote', () => {
    const rows: StoredMatchRow[] = [
      {
        canonicalId: 'CVE-2024-1', source: 'osv', vulnId: 'GHSA\tx', status: 'affected', severity: null, ranges: '[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]', versions: '["1.0\\t"]',
        info: { aliases: '["GHSA\\tx"]', summary: 'two\nlines\tand a tab', severity: '{"rating":"high"}' },
      },
      { canonicalId: 'CVE-2024-1', source: 'osv', vulnId: 'PYSEC-1', status: 'affected', severity: null, ranges: '[]', versions: '[]' },
      { canonicalId: '"quoted', source: 'debian', vulnId: 'DSA\n1', status: 'not-fixed', severity: 'high', ranges: '[]', versions: '[]', info: { aliases: '[]', summary: null, severity: null } },
    ];
    const out = decode('pkg', encodeMatchRows(rows));
    expect(out).toEqual(rows.map((r) => ({ ...r, ranges: prepareRanges(JSON.parse(r.ranges) as AffectedRange[]), package: 'pkg' })));
    // Only a vulnerability's first row carries its info.
    expect(out.map((r) => r.info !== undefined)).toEqual([true, false, true]);
    expect(() => new IndexRows('pkg', 'too\tfew')).toThrow('corrupt match index row for pkg');
    expect(() => new IndexRows('pkg', `${'x\t'.repeat(10)}x`)).toThrow('more than 10 fields');
  });

  it('writes ranges compactly without GIT ranges, and as JSON when a version holds a separator', () => {
    const ranges: AffectedRange[] = [
      { type: 'GIT', events: [{ introduced: '0' }, { fixed: 'abc123' }] },
      { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.15.4' }, { introduced: '2.0.0' }, { last_affected: '2.0.3' }] },
      { type: 'SEMVER', events: [{ introduced: '1.0.0-rc.1' }, { limit: '3.0.0' }] },
    ];
    const compact = encodeRanges(JSON.stringify(ranges));
    expect(compact).toBe('E,i0,f1.15.4,i2.0.0,l2.0.3;S,i1.0.0-rc.1,m3.0.0');
    expect(decodeRanges(compact)).toEqual(prepareRanges(ranges));
    const odd: AffectedRange[] = [{ type: 'ECOSYSTEM', events: [{ introduced: '1,2' }, { fixed: '3;4' }] }];
    expect(encodeRanges(JSON.stringify(odd))).toBe(JSON.stringify(odd));
    expect(decodeRanges(encodeRanges(JSON.stringify(odd)))).toEqual(prepareRanges(odd));
    expect(decodeRanges(encodeRanges('[]'))).toEqual([]);
    const unknown = '[{"type":"NEWTYPE","events":[{"introduced":"0"}]}]';
    expect(encodeRanges(unknown)).toBe(unknown);
    expect(decodeRanges(encodeRanges(unknown))).toEqual([{ type: 'NEWTYPE', events: [{ kind: 'introduced', v: '0' }] }]);
    expect(decodeRanges(encodeRanges('[{"type":"GIT","events":[]}]'))).toEqual([]);
  });

  it('follows imports: written, replaced, removed and withdrawn records, and ids whose alias group moved', async () => {
    await store.import('osv', items([adv('GHSA-a', [], 'alpha'), adv('GHSA-b', [], 'beta'), adv('GHSA-c', [], 'alpha', '3.0')], 'x/'));
    expect(await decoded(db)).toEqual(await joined(db));
    expect((await indexRows(db)).map((r) => r.package)).toEqual(['alpha', 'beta']);

    // A record of another package names GHSA-a as an alias of a CVE: alpha's row moves to the CVE
    // although no record of alpha was written, and alpha counts as touched for re-evaluation.
    const merged = await store.import('osv', items([adv('PYSEC-9', ['GHSA-a', 'CVE-2024-9'], 'gamma')]));
    expect(merged.touchedPackages).toBe(2);
    const changed = await db.selectFrom('vuln_changes').select('package').where('revision', '=', merged.revision).orderBy('package').execute();
    expect(changed.map((r) => r.package)).toEqual(['alpha', 'gamma']);
    const alpha = decode('alpha', (await indexRows(db)).find((r) => r.package === 'alpha')?.affected ?? '');
    expect(alpha.map((r) => `${r.vulnId}>${r.canonicalId}`)).toEqual(['GHSA-a>CVE-2024-9', 'GHSA-c>GHSA-c']);
    expect(await decoded(db)).toEqual(await joined(db));

    // PYSEC-9 gets a summary: the vulnerability's info changes for alpha's row as well.
    const revised = await store.import('osv', items([{ ...adv('PYSEC-9', ['GHSA-a', 'CVE-2024-9'], 'gamma'), summary: 'revised' }]));
    const revisedKeys = await db.selectFrom('vuln_changes').select('package').where('revision', '=', revised.revision).orderBy('package').execute();
    expect(revisedKeys.map((r) => r.package)).toEqual(['alpha', 'gamma']);
    const alphaNow = decode('alpha', (await indexRows(db)).find((r) => r.package === 'alpha')?.affected ?? '');
    expect(alphaNow[0]?.info).toEqual({ aliases: '["GHSA-a","PYSEC-9"]', summary: 'revised', severity: null });
    expect(await decoded(db)).toEqual(await joined(db));

    // The snapshot drops GHSA-b (beta loses its row), replaces GHSA-c and withdraws GHSA-a.
    const withdrawn = { ...adv('GHSA-a', [], 'alpha'), withdrawn: '2024-05-01T00:00:00Z' };
    await store.import('osv', items([withdrawn, adv('GHSA-c', [], 'alpha', '4.0')], 'x/'));
    expect((await indexRows(db)).map((r) => r.package)).toEqual(['alpha', 'gamma']);
    expect(await decoded(db)).toEqual(await joined(db));

    // Kept incrementally, the index equals one rebuilt from scratch.
    const incremental = await indexRows(db);
    await rebuildMatchIndex(db, undefined);
    expect(await indexRows(db)).toEqual(incremental);
  });

  it('is filled from the stored data by migration 0020', async () => {
    await store.import('osv', items([adv('GHSA-a', [], 'alpha'), adv('PYSEC-9', ['GHSA-a', 'CVE-2024-9'], 'gamma')]));
    const imported = await indexRows(db);
    expect(imported).toHaveLength(2);
    await vulndbMatchIndexMigration.down?.(db);
    await vulndbMatchIndexMigration.up(db);
    expect(await indexRows(db)).toEqual(imported);
  });

  it.skipIf(!hasShared('data', 'osv'))('equals a rebuild from scratch after importing the shared crates.io and PyPI sets', async () => {
    for (const eco of ['crates.io', 'PyPI']) await store.import('osv', osvSource.read(sharedPath('data', 'osv', eco), { issues: () => undefined }));
    const incremental = await indexRows(db);
    expect(incremental.length).toBeGreaterThan(1000);
    expect(await decoded(db)).toEqual(await joined(db));
    await rebuildMatchIndex(db, undefined);
    expect(await indexRows(db)).toEqual(incremental);
  }, 60_000);
});
