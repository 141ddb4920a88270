import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../test/helpers/shared.js';
import { makeZip } from '../../../test/helpers/zip.js';
import { collect } from '../test-helpers.js';
import { osvSource } from './osv-source.js';
import { parseOsvRecord } from './osv-record.js';

async function countJson(dir: string): Promise<number> {
  return (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.json')).length;
}

describe.skipIf(!hasShared('data', 'osv'))('OSV source on the shared data', () => {
  it.each(['Go', 'PyPI', 'crates.io'])('reads every %s record without issues', async (eco) => {
    const dir = sharedPath('data', 'osv', eco);
    const { records, issues } = await collect(osvSource, dir);
    expect(issues).toEqual([]);
    expect(records.length).toBe(await countJson(dir));
  });

  it('reads every other shared OSV folder (GHSA, Ubuntu, AlmaLinux, Rocky, Debian) without issues', async () => {
    const { readdir: rd } = await import('node:fs/promises');
    const others = (await rd(sharedPath('data', 'osv'))).filter((d) => !['Go', 'PyPI', 'crates.io'].includes(d));
    for (const eco of others) {
      const { records, issues } = await collect(osvSource, sharedPath('data', 'osv', eco));
      expect(issues, eco).toEqual([]);
      expect(records.length, eco).toBe(await countJson(sharedPath('data', 'osv', eco)));
    }
  });

  it('normalizes a Go record as published', async () => {
    const raw = JSON.parse(await readFile(sharedPath('data', 'osv', 'Go', 'GO-2022-0646.json'), 'utf8')) as { aliases: string[]; affected: { package: { name: string } }[] };
    const adv = parseOsvRecord(raw);
    if (typeof adv === 'string') throw new Error(adv);
    expect(adv.id).toBe('GO-2022-0646');
    expect(adv.aliases).toEqual(raw.aliases);
    expect(adv.affected[0]?.name).toBe(raw.affected[0]?.package.name);
    expect(adv.affected[0]?.ranges[0]).toEqual({ type: 'SEMVER', events: [{ introduced: '0' }] });
  });

  it('normalizes PyPI names (PEP 503) and keeps explicit versions', async () => {
    const { records } = await collect(osvSource, sharedPath('data', 'osv', 'PyPI'));
    const adv = records.flatMap((r) => (r.kind === 'advisory' ? [r.advisory] : []));
    const names = adv.flatMap((a) => a.affected.map((x) => x.name));
    expect(names.every((n) => n === n.toLowerCase() && !/[_.]/.test(n))).toBe(true);
    expect(adv.some((a) => a.affected.some((x) => x.versions.length > 0))).toBe(true);
  });

  it('carries withdrawn and CVSS vectors with computed v3 scores', async () => {
    const { records } = await collect(osvSource, sharedPath('data', 'osv', 'crates.io'));
    const adv = records.flatMap((r) => (r.kind === 'advisory' ? [r.advisory] : []));
    expect(adv.filter((a) => a.withdrawn !== undefined).length).toBeGreaterThan(0);
    const scored = adv.flatMap((a) => a.severity?.cvss ?? []).filter((c) => c.version.startsWith('3'));
    expect(scored.length).toBeGreaterThan(0);
    expect(scored.every((c) => c.score !== undefined && c.score >= 0 && c.score <= 10)).toBe(true);
  });
});

describe('OSV source on malformed input', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'osv-bad-'));
    await mkdir(join(dir, 'a', 'b'), { recursive: true });
    await writeFile(join(dir, 'a', 'ok.json'), JSON.stringify({ id: 'X-1', affected: [{ package: { ecosystem: 'PyPI', name: 'Foo_Bar' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0' }] }] }] }));
    await writeFile(join(dir, 'a', 'b', 'broken.json'), '{"id": "X-2", ');
    await writeFile(join(dir, 'a', 'b', 'noid.json'), '{"summary": "x"}');
    await writeFile(join(dir, 'a', 'b', 'notes.txt'), 'ignored');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  // (zip fixtures are written into `dir` too, under names the directory test ignores: not *.json)

  it('reads an all.zip, and rejects a zip whose entry data is damaged', async () => {
    const good = Buffer.from(JSON.stringify({ id: 'Z-1', modified: '2024-01-01T00:00:00Z', affected: [] }));
    const other = Buffer.from(JSON.stringify({ id: 'Z-2', summary: 'x'.repeat(500) }));
    const zip = makeZip([{ name: 'Z-1.json', data: good }, { name: 'dir/Z-2.json', data: other }, { name: 'README.txt', data: Buffer.from('hi') }]);
    await writeFile(join(dir, 'all.zip'), zip);
    const ok = await collect(osvSource, join(dir, 'all.zip'));
    expect(ok.records.map((r) => r.kind === 'advisory' && r.advisory.id)).toEqual(['Z-1', 'Z-2']);
    const bad = Buffer.from(zip);
    const at = bad.indexOf(Buffer.from('dir/Z-2.json')) + 'dir/Z-2.json'.length + 5;
    bad[at] = (bad[at] ?? 0) ^ 0xff;
    await writeFile(join(dir, 'bad.zip'), bad);
    await expect(collect(osvSource, join(dir, 'bad.zip'))).rejects.toThrow();
  });

  it('counts and skips corrupt records, reads the good one at any depth', async () => {
    const { records, issues } = await collect(osvSource, dir);
    expect(records).toHaveLength(1);
    expect(issues.map((i) => i.message)).toEqual([expect.stringContaining('invalid JSON'), 'missing id']);
    const r = records[0];
    expect(r?.kind === 'advisory' && r.advisory.affected[0]?.name).toBe('foo-bar');
  });
});
