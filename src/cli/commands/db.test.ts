import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hasShared, sharedPath } from '../../../test/helpers/shared.js';
import { main } from '../cli.js';

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(args);
    return { code, out: lines.join('\n') };
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
}

describe.skipIf(!hasShared('data', 'osv'))('crowsnest db', () => {
  let data: string;
  beforeAll(async () => {
    data = await mkdtemp(join(tmpdir(), 'crowsnest-db-'));
  });
  afterAll(() => rm(data, { recursive: true, force: true }));

  it('imports an OSV directory, other sources with --source, and reports status', async () => {
    const first = await run(['db', 'import', sharedPath('data', 'osv', 'crates.io'), '--data', data]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^osv: read \d+, added \d+, .*revision 1$/);
    const again = await run(['db', 'import', sharedPath('data', 'osv', 'crates.io'), '--data', data]);
    expect(again.out).toMatch(/added 0, updated 0, unchanged \d+, .*revision 1$/);
    const deb = await run(['db', 'import', sharedPath('data', 'debian-security-tracker', 'vunnel-sample-tracker.json'), '--source', 'debian', '--data', data]);
    expect(deb.out).toMatch(/^debian: .*revision 2$/);
    const status = await run(['db', 'status', '--json', '--data', data]);
    const s = JSON.parse(status.out) as { revision: number; sources: { source: string; advisories: number }[] };
    expect(s.revision).toBe(2);
    expect(s.sources.map((x) => x.source)).toEqual(['debian', 'osv']);
    expect((await run(['db', 'status', '--data', data])).out).toMatch(/^version 2 \(revision\), updated /);
  });

  it('updates from the feeds named in CROWSNEST_VULNDB_* and reports a failing feed with exit 2', async () => {
    const kev = await readFile(sharedPath('data', 'kev', 'known_exploited_vulnerabilities-sample.json'));
    const server = createServer((req, res) => {
      if (req.url === '/kev.json') res.writeHead(200, { 'content-length': kev.length }).end(kev);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const saved = { ...process.env };
    try {
      process.env.CROWSNEST_VULNDB_SOURCES = 'kev';
      process.env.CROWSNEST_VULNDB_KEV_URL = `${base}/kev.json`;
      const ok = await run(['db', 'update', '--data', data]);
      expect(ok.code).toBe(0);
      expect(ok.out).toMatch(/kev\.json: kev: read \d+, .*metrics \d+/);
      process.env.CROWSNEST_VULNDB_KEV_URL = `${base}/missing.json`;
      const bad = await run(['db', 'update', '--data', data]);
      expect(bad.code).toBe(2);
      expect(bad.out).toMatch(/FAILED \(previous data kept\): .*HTTP 404/);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('rejects unknown sources and missing paths with exit 2', async () => {
    expect((await run(['db', 'import', '/nonexistent', '--data', data])).code).toBe(2);
    expect((await run(['db', 'import', sharedPath('data', 'osv'), '--source', 'nope', '--data', data])).code).toBe(2);
  });
});
