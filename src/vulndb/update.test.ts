import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { hasShared, sharedPath } from '../../test/helpers/shared.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import { feedsFromEnv, type Feed } from './feeds.js';
import { makeZip } from '../../test/helpers/zip.js';
import { memoryDb } from './test-helpers.js';
import { updateFeeds } from './update.js';
import { VulnDb } from './vulndb-store.js';

describe.skipIf(!hasShared('data', 'osv'))('online updates against a loopback server in the real layouts', () => {
  let server: Server;
  let base: string;
  let db: Kysely<Database>;
  let store: VulnDb;
  const files = new Map<string, { body: Buffer; mode?: 'cut' | 'chunked-truncated' }>();

  beforeAll(async () => {
    const crates = sharedPath('data', 'osv', 'crates.io');
    const names = (await readdir(crates)).filter((f) => f.endsWith('.json'));
    const zip = makeZip(await Promise.all(names.map(async (n) => ({ name: n, data: await readFile(`${crates}/${n}`) }))));
    const corrupt = Buffer.from(zip);
    corrupt.fill(0, corrupt.length - 4096);
    const tracker = await readFile(sharedPath('data', 'debian-security-tracker', 'vunnel-sample-tracker.json'));
    const alpine = Buffer.from(JSON.stringify(parseYaml(await readFile(sharedPath('data', 'alpine-secdb', 'v3.11', 'main.yaml'), 'utf8'))));
    files.set('/osv/crates.io/all.zip', { body: zip });
    files.set('/cut/crates.io/all.zip', { body: zip, mode: 'cut' });
    files.set('/corrupt/crates.io/all.zip', { body: corrupt });
    files.set('/tracker/data/json', { body: tracker });
    files.set('/tracker-truncated/data/json', { body: tracker.subarray(0, tracker.length >> 1), mode: 'chunked-truncated' });
    files.set('/secdb/v3.11/main.json', { body: alpine });
    files.set('/kev/known_exploited_vulnerabilities.json', { body: await readFile(sharedPath('data', 'kev', 'known_exploited_vulnerabilities-sample.json')) });
    files.set('/epss/epss_scores-current.csv.gz', { body: gzipSync(await readFile(sharedPath('data', 'epss', 'epss-sample2.csv'))) });
    files.set('/nvd/nvdcve-2.0-modified.json.gz', { body: gzipSync(await readFile(sharedPath('data', 'nvd', 'api-2.0-full-page-sample.json'))) });
    server = createServer((req, res) => {
      const f = files.get(req.url ?? '');
      if (!f) {
        res.writeHead(404).end();
        return;
      }
      if (f.mode === 'cut') {
        res.writeHead(200, { 'content-length': f.body.length });
        res.write(f.body.subarray(0, f.body.length >> 1), () => res.socket?.destroy());
        return;
      }
      if (f.mode === 'chunked-truncated') {
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        res.end(f.body);
        return;
      }
      res.writeHead(200, { 'content-length': f.body.length }).end(f.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    db = await memoryDb();
    store = new VulnDb(db);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await db.destroy();
  });

  const env = (over: Record<string, string> = {}) =>
    feedsFromEnv({
      CROWSNEST_VULNDB_OSV_URL: `${base}/osv`,
      CROWSNEST_VULNDB_OSV_ECOSYSTEMS: 'crates.io',
      CROWSNEST_VULNDB_DEBIAN_URL: `${base}/tracker/data/json`,
      CROWSNEST_VULNDB_ALPINE_URL: `${base}/secdb/v3.11/main.json`,
      CROWSNEST_VULNDB_NVD_URL: `${base}/nvd/nvdcve-2.0-modified.json.gz`,
      CROWSNEST_VULNDB_KEV_URL: `${base}/kev/known_exploited_vulnerabilities.json`,
      CROWSNEST_VULNDB_EPSS_URL: `${base}/epss/epss_scores-current.csv.gz`,
      ...over,
    });

  it('builds the feed list from the environment', () => {
    expect(env().map((f) => f.source)).toEqual(['osv', 'debian', 'alpine', 'nvd', 'kev', 'epss']);
    expect(feedsFromEnv({ CROWSNEST_VULNDB_SOURCES: 'osv', CROWSNEST_VULNDB_OSV_ECOSYSTEMS: 'Go,PyPI' })).toEqual([
      { source: 'osv', url: 'https://osv-vulnerabilities.storage.googleapis.com/Go/all.zip' },
      { source: 'osv', url: 'https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip' },
    ]);
  });

  it('downloads and imports every feed, then finds nothing new on the second run', async () => {
    const first = await updateFeeds(store, env());
    expect(first.filter((o) => !o.ok)).toEqual([]);
    const status = await store.status();
    const crates = (await readdir(sharedPath('data', 'osv', 'crates.io'))).filter((f) => f.endsWith('.json')).length;
    expect(status.sources.find((s) => s.source === 'osv')?.advisories).toBe(crates);
    expect(status.sources.map((s) => s.source)).toEqual(['alpine', 'debian', 'epss', 'kev', 'nvd', 'osv']);
    expect(status.metrics.kev).toBeGreaterThan(0);
    expect(status.metrics.epss).toBeGreaterThan(0);
    expect(status.metrics.nvd).toBeGreaterThan(0);
    const second = await updateFeeds(store, env());
    expect(second.every((o) => o.ok && !o.result.changed)).toBe(true);
    expect(await store.revision()).toBe(status.revision);
  });

  it('keeps the previous data when the connection is cut mid-body or the zip is corrupt', async () => {
    const before = await store.status();
    for (const dir of ['cut', 'corrupt']) {
      const [outcome] = await updateFeeds(store, env({ CROWSNEST_VULNDB_SOURCES: 'osv', CROWSNEST_VULNDB_OSV_URL: `${base}/${dir}` }));
      expect(outcome?.ok).toBe(false);
    }
    const [truncated] = await updateFeeds(store, [{ source: 'debian', url: `${base}/tracker-truncated/data/json` } satisfies Feed]);
    expect(truncated).toMatchObject({ ok: false, error: expect.stringMatching(/ends before/) });
    const [missing] = await updateFeeds(store, [{ source: 'kev', url: `${base}/nope` }]);
    expect(missing).toMatchObject({ ok: false, error: expect.stringMatching(/HTTP 404/) });
    const after = await store.status();
    expect(after.revision).toBe(before.revision);
    expect(after.advisories).toBe(before.advisories);
    expect(after.affected).toBe(before.affected);
    expect(after.sources.map((s) => [s.source, s.advisories])).toEqual(before.sources.map((s) => [s.source, s.advisories]));
  });
});
