import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../test/helpers/shared.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { Advisory } from './advisory.js';
import type { SourceItem } from './advisory-source.js';
import { osvSource } from './sources/osv-source.js';
import { memoryDb } from './test-helpers.js';
import { VulnDb } from './vulndb-store.js';

async function* items(list: readonly Advisory[]): AsyncGenerator<SourceItem> {
  for (const a of list) yield { kind: 'advisory', key: a.id, advisory: a };
}

const adv = (id: string, aliases: string[], extra: Partial<Advisory> = {}): Advisory => ({
  id,
  aliases,
  references: [],
  affected: [{ ecosystem: 'PyPI', name: 'demo', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }], versions: [], status: 'affected' }],
  ...extra,
});

describe('VulnDb', () => {
  let db: Kysely<Database>;
  let store: VulnDb;
  beforeEach(async () => {
    db = await memoryDb();
    store = new VulnDb(db);
  });
  afterEach(() => db.destroy());

  it('bumps the revision only when an import changes something', async () => {
    expect(await store.revision()).toBe(0);
    const a = adv('PYSEC-1', ['CVE-2020-1'], { modified: '2024-01-01T00:00:00Z' });
    const r1 = await store.import('osv', items([a]));
    expect(r1).toMatchObject({ added: 1, changed: true, revision: 1 });
    const r2 = await store.import('osv', items([a]));
    expect(r2).toMatchObject({ added: 0, unchanged: 1, changed: false, revision: 1 });
    // An older copy of a record never replaces a newer one.
    await store.import('osv', items([{ ...a, summary: 'old', modified: '2023-01-01T00:00:00Z' }]));
    expect(await store.revision()).toBe(1);
    const r3 = await store.import('osv', items([{ ...a, summary: 'new', modified: '2024-02-01T00:00:00Z' }]));
    expect(r3).toMatchObject({ updated: 1, revision: 2 });
    expect((await store.status()).revision).toBe(2);
  });

  it('unifies aliases across records with the CVE as canonical id, never merging two CVEs', async () => {
    await store.import('osv', items([adv('GO-2022-1', ['GHSA-aaaa']), adv('GHSA-aaaa', ['CVE-2022-9']), adv('PYSEC-7', ['CVE-2022-9', 'CVE-2022-10']), adv('RUSTSEC-1', ['CVE-2022-10'])]));
    const m = await store.canonicalIds(['GO-2022-1', 'GHSA-aaaa', 'PYSEC-7', 'RUSTSEC-1', 'CVE-2022-10']);
    expect(m.get('GO-2022-1')).toBe('CVE-2022-9');
    expect(m.get('GHSA-aaaa')).toBe('CVE-2022-9');
    expect(m.get('PYSEC-7')).toBe('CVE-2022-9');
    expect(m.get('CVE-2022-10')).toBe('CVE-2022-10');
    expect(m.get('RUSTSEC-1')).toBe('CVE-2022-10');
    const v = await store.getVulnerability('GO-2022-1');
    expect(v?.id).toBe('CVE-2022-9');
    expect(v?.aliases).toEqual(['GHSA-aaaa', 'GO-2022-1', 'PYSEC-7']);
  });

  it('keeps each vulnerability\'s info with the alias map, and fills it on the next import of a database migrated without it', async () => {
    const v31 = { version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', score: 7.5 };
    const v40 = { version: '4.0', vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N' };
    const records = [
      adv('GHSA-a', ['CVE-2022-1'], { summary: 'first', severity: { rating: 'high', cvss: [v31] }, modified: '2024-01-01T00:00:00Z' }),
      adv('PYSEC-1', ['CVE-2022-1'], { summary: 'second', severity: { rating: 'low', cvss: [v40] } }),
      adv('GHSA-w', ['CVE-2022-1'], { summary: 'withdrawn', severity: { rating: 'critical' }, withdrawn: '2024-01-01T00:00:00Z' }),
      adv('GHSA-b', []),
    ];
    await store.import('osv', items(records));
    await store.import('kev', (async function* (): AsyncGenerator<SourceItem> {
      yield { kind: 'metrics', metrics: { cve: 'CVE-2022-1', kevDateAdded: '2024-02-01' } };
    })());
    const info = await store.vulnInfo(['CVE-2022-1', 'GHSA-b', 'NOT-STORED-1']);
    // Advisories merge in alias-map order; a withdrawn record adds its id but neither summary nor severity.
    expect(info.get('CVE-2022-1')).toEqual({
      id: 'CVE-2022-1',
      aliases: ['GHSA-a', 'GHSA-w', 'PYSEC-1'],
      summary: 'first',
      severity: { rating: 'high', cvss: [v31, v40] },
      metrics: { cve: 'CVE-2022-1', kevDateAdded: '2024-02-01' },
    });
    expect(info.get('GHSA-b')).toEqual({ id: 'GHSA-b', aliases: [], severity: undefined, metrics: undefined });
    expect(info.get('NOT-STORED-1')).toEqual({ id: 'NOT-STORED-1', aliases: [], severity: undefined, metrics: undefined });
    expect(Number((await db.selectFrom('vuln_info').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n)).toBe(2);

    // A database migrated to 0018 has no info rows: the same answers come from the advisories, and its
    // next import fills them although nothing changed.
    await db.deleteFrom('vuln_info').execute();
    expect(await store.vulnInfo(['CVE-2022-1', 'GHSA-b'])).toEqual(new Map([...info].filter(([id]) => id !== 'NOT-STORED-1')));
    expect(await store.import('osv', items(records))).toMatchObject({ changed: false });
    expect(await db.selectFrom('vuln_info').select('canonical_id').orderBy('canonical_id').execute()).toEqual([{ canonical_id: 'CVE-2022-1' }, { canonical_id: 'GHSA-b' }]);

    // A changed record rewrites its vulnerability's row.
    await store.import('osv', items([adv('GHSA-b', [], { summary: 'revised' })]));
    expect((await store.vulnInfo(['GHSA-b'])).get('GHSA-b')?.summary).toBe('revised');
    // A record leaving a vulnerability (its alias dropped) rewrites both rows; the rows kept per
    // import equal a full recomputation.
    await store.import('osv', items([{ ...records[1]!, aliases: [], modified: '2024-05-01T00:00:00Z' }]));
    const split = await store.vulnInfo(['CVE-2022-1', 'PYSEC-1']);
    expect(split.get('CVE-2022-1')).toMatchObject({ aliases: ['GHSA-a', 'GHSA-w'], summary: 'first', severity: { rating: 'high', cvss: [v31] } });
    expect(split.get('PYSEC-1')).toMatchObject({ aliases: [], summary: 'second', severity: { rating: 'low', cvss: [v40] } });
    const rows = () => db.selectFrom('vuln_info').selectAll().orderBy('canonical_id').execute();
    const incremental = await rows();
    await db.deleteFrom('vuln_info').execute();
    await store.import('osv', items([]));
    expect(await rows()).toEqual(incremental);
  });

  it('stages a large import through a temporary file with the same result', async () => {
    const list = Array.from({ length: 50 }, (_, i) => adv(`PYSEC-${i}`, [`CVE-2021-${i}`], { summary: 'x'.repeat(100) }));
    const r = await store.import('osv', items(list), { stageMemoryBytes: 1000 });
    expect(r).toMatchObject({ added: 50, changed: true });
    expect((await store.affectedFor([{ ecosystem: 'PyPI', name: 'demo' }])).length).toBe(50);
    expect((await store.canonicalIds(['PYSEC-7'])).get('PYSEC-7')).toBe('CVE-2021-7');
  });

  it('removes records a snapshot no longer lists', async () => {
    async function* snap(list: Advisory[]): AsyncGenerator<SourceItem> {
      yield { kind: 'snapshot', prefix: 'v3.1/' };
      for (const a of list) yield { kind: 'advisory', key: `v3.1/${a.id}`, advisory: a };
    }
    await store.import('alpine', snap([adv('CVE-1', []), adv('CVE-2', [])]));
    const r = await store.import('alpine', snap([adv('CVE-1', [])]));
    expect(r).toMatchObject({ removed: 1, changed: true });
    expect((await store.affectedFor([{ ecosystem: 'PyPI', name: 'demo' }])).map((x) => x.vulnId)).toEqual(['CVE-1']);
    // A snapshot read with skipped (corrupt) entries removes nothing.
    const partial = await store.import('alpine', snap([]), { skipped: () => 1 });
    expect(partial).toMatchObject({ removed: 0 });
    expect((await store.affectedFor([{ ecosystem: 'PyPI', name: 'demo' }])).map((x) => x.vulnId)).toEqual(['CVE-1']);
  });

  it('stores withdrawn records without affected rows', async () => {
    await store.import('osv', items([adv('GHSA-w', [], { withdrawn: '2024-01-01T00:00:00Z' }), adv('GHSA-k', [])]));
    expect((await store.affectedFor([{ ecosystem: 'PyPI', name: 'demo' }])).map((x) => x.vulnId)).toEqual(['GHSA-k']);
    expect((await store.getVulnerability('GHSA-w'))?.records[0]?.advisory.withdrawn).toBeDefined();
  });

  it('rolls back a failing import and keeps the previous data', async () => {
    await store.import('osv', items([adv('A-1', [])]));
    async function* failing(): AsyncGenerator<SourceItem> {
      yield { kind: 'advisory', key: 'A-2', advisory: adv('A-2', []) };
      throw new Error('connection reset');
    }
    await expect(store.import('osv', failing())).rejects.toThrow('connection reset');
    expect((await store.status()).advisories).toBe(1);
    expect(await store.revision()).toBe(1);
  });

  it.skipIf(!hasShared('data', 'osv'))('imports the Go, PyPI and crates.io sets and re-imports them as unchanged', async () => {
    const read = async (eco: string) => {
      let issues = 0;
      return store.import('osv', osvSource.read(sharedPath('data', 'osv', eco), { issues: () => issues++ }), { skipped: () => issues });
    };
    const started = performance.now();
    const results = [await read('Go'), await read('PyPI'), await read('crates.io')];
    const seconds = (performance.now() - started) / 1000;
    const total = results.reduce((n, r) => n + r.added, 0);
    expect(results.every((r) => r.skipped === 0)).toBe(true);
    expect((await store.status()).advisories).toBe(total);
    console.log(`imported ${total} advisories in ${seconds.toFixed(2)} s (${Math.round(total / seconds)}/s)`);
    const again = await read('PyPI');
    expect(again).toMatchObject({ added: 0, updated: 0, changed: false });
    const go = await store.getVulnerability('GO-2022-0646');
    expect(go?.id).toBe('CVE-2020-8911');
    expect(go?.aliases).toContain('GHSA-f5pg-7wfw-84q9');
  }, 60_000);
});
