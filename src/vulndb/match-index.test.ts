import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../test/helpers/shared.js';
import { vulndbMatchIndexMigration } from '../metadata/kysely/migrations/0020-vulndb-match-index.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { Advisory } from './advisory.js';
import type { SourceItem } from './advisory-source.js';
import { decodeMatchRows, encodeMatchRows, rebuildMatchIndex, type MatchRow } from './match-index.js';
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

/** The index as stored, one entry per key. */
const indexRows = (db: Kysely<Database>) => db.selectFrom('vuln_match').selectAll().orderBy('ecosystem').orderBy('package').execute();

/** What the index must hold: every affected row with its canonical id, straight from the tables. */
async function joined(db: Kysely<Database>): Promise<Map<string, string[]>> {
  const rows = await db
    .selectFrom('vuln_affected as f')
    .leftJoin('vuln_alias as a', 'a.alias', 'f.vuln_id')
    .select((eb) => ['f.ecosystem', 'f.package', 'f.vuln_id', 'f.ranges', eb.fn.coalesce('a.canonical_id', 'f.vuln_id').as('canonical')])
    .execute();
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(`${r.ecosystem}/${r.package}`, [...(out.get(`${r.ecosystem}/${r.package}`) ?? []), `${r.vuln_id}>${r.canonical} ${r.ranges}`].sort());
  return out;
}

async function decoded(db: Kysely<Database>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const r of await indexRows(db)) {
    const rows: MatchRow[] = [];
    decodeMatchRows(r.package, r.affected, rows);
    out.set(`${r.ecosystem}/${r.package}`, rows.map((x) => `${x.vulnId}>${x.canonicalId} ${x.ranges}`).sort());
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
    const rows: Omit<MatchRow, 'package'>[] = [
      { canonicalId: 'CVE-2024-1', source: 'osv', vulnId: 'GHSA\tx', status: 'affected', severity: null, ranges: '[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]', versions: '["1.0\\t"]' },
      { canonicalId: '"quoted', source: 'debian', vulnId: 'DSA\n1', status: 'not-fixed', severity: 'high', ranges: '[]', versions: '[]' },
    ];
    const out: MatchRow[] = [];
    decodeMatchRows('pkg', encodeMatchRows(rows), out);
    expect(out).toEqual(rows.map((r) => ({ ...r, package: 'pkg' })));
    expect(() => decodeMatchRows('pkg', 'too\tfew', [])).toThrow('corrupt match index row for pkg');
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
    const alpha: MatchRow[] = [];
    decodeMatchRows('alpha', (await indexRows(db)).find((r) => r.package === 'alpha')?.affected ?? '', alpha);
    expect(alpha.map((r) => `${r.vulnId}>${r.canonicalId}`)).toEqual(['GHSA-a>CVE-2024-9', 'GHSA-c>GHSA-c']);
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
