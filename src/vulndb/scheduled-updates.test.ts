/**
 * Scheduled feed updates over a real SQLite database and a feed server on loopback: one claim per
 * interval across processes, a failed download backs off and keeps the previous data, the state shows
 * in the API, and files dropped into the import directory are imported once and moved to done/ or failed/.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, TEST_ADMIN_AUTH, type TestApp } from '../app/_testkit/test-app.js';
import type { Feed } from './feeds.js';
import { ScheduledUpdates } from './scheduled-updates.js';
import { makeZip } from '../../test/helpers/zip.js';

const advisory = (id: string, pkg: string) =>
  JSON.stringify({ schema_version: '1.6.0', id, modified: '2026-11-01T00:00:00Z', affected: [{ package: { ecosystem: 'PyPI', name: pkg }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }] });

describe('scheduled vulnerability data updates', () => {
  let server: Server;
  let base: string;
  let zip: Buffer;
  let t: TestApp;
  let dir: string;
  let clock: number;

  beforeAll(async () => {
    zip = makeZip([{ name: 'GHSA-sche-dule-0001.json', data: Buffer.from(advisory('GHSA-sche-dule-0001', 'scheduled-pkg')) }]);
    server = createServer((req, res) => {
      if (req.url === '/PyPI/all.zip') res.writeHead(200, { 'content-length': String(zip.length) }).end(zip);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise((r) => server.close(r)));
  beforeEach(async () => {
    t = await createTestApp();
    dir = mkdtempSync(join(tmpdir(), 'vulndb-import-'));
    clock = Date.now();
  });
  afterEach(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const updates = (feeds: Feed[], intervalSeconds = 3600) =>
    new ScheduledUpdates({ db: t.ctx.db, vulndb: t.ctx.vulndb, queue: t.ctx.analysis.queue, feeds: () => feeds, intervalSeconds, importDir: dir, log: pino({ level: 'silent' }), now: () => clock });

  it('claims one update per interval across processes and records success', async () => {
    const a = updates([{ source: 'osv', url: `${base}/PyPI/all.zip` }]);
    const b = updates([{ source: 'osv', url: `${base}/PyPI/all.zip` }]);
    const claims = await Promise.all([a.check(), b.check(), a.check()]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await t.ctx.analysis.queue.counts()).toMatchObject({ queued: 1 });
    await a.updateFeeds();
    expect((await t.ctx.vulndb.status()).advisories).toBe(1);
    const s = await a.schedule();
    expect(s).toMatchObject({ intervalSeconds: 3600, failures: 0 });
    expect(s.lastSuccess).toBe(new Date(clock).toISOString());
    expect(s.nextAttempt).toBe(new Date(clock + 3600_000).toISOString());
    clock += 3599_000;
    expect(await b.check()).toBe(false);
    clock += 1_000;
    expect(await b.check()).toBe(true);
  });

  it('backs off after a failed feed, keeps the previous data, and shows the state in the API', async () => {
    await updates([{ source: 'osv', url: `${base}/PyPI/all.zip` }]).updateFeeds();
    const broken = updates([{ source: 'osv', url: `${base}/missing/all.zip` }]);
    await broken.check();
    await broken.updateFeeds();
    let s = await broken.schedule();
    expect(s.failures).toBe(1);
    expect(s.lastError).toMatch(/HTTP 404/);
    expect(s.nextAttempt).toBe(new Date(clock + 5 * 60_000).toISOString());
    await broken.updateFeeds();
    s = await broken.schedule();
    expect(s.failures).toBe(2);
    expect(s.nextAttempt).toBe(new Date(clock + 10 * 60_000).toISOString());
    expect((await t.ctx.vulndb.status()).advisories).toBe(1);

    const api = await t.app.inject({ method: 'GET', url: '/api/v1/vulnerability-db', headers: { authorization: TEST_ADMIN_AUTH } });
    expect(api.statusCode).toBe(200);
    expect(api.json()).toMatchObject({ advisories: 1, schedule: { intervalSeconds: 0 } });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/vulnerability-db' })).statusCode).toBe(401);
  });

  it('imports what is dropped into the import directory once, moving it to done/ or failed/', async () => {
    // Updates off (an air-gapped install): only what is dropped gets imported.
    const u = updates([], 0);
    expect(await u.check()).toBe(false);
    mkdirSync(join(dir, 'mirror', 'PyPI'), { recursive: true });
    writeFileSync(join(dir, 'mirror', 'PyPI', 'GHSA-drop-ped0-0001.json'), advisory('GHSA-drop-ped0-0001', 'dropped-pkg'));
    writeFileSync(join(dir, 'broken.zip'), 'not a zip at all');
    expect(await u.check()).toBe(false);
    clock += 5_000;
    expect(await u.check()).toBe(true);
    const outcomes = await u.importDropped();
    expect(outcomes.map((o) => [o.name, o.ok])).toEqual([
      ['broken.zip', false],
      ['mirror', true],
    ]);
    expect((await t.ctx.vulndb.getVulnerability('GHSA-drop-ped0-0001'))?.id).toBe('GHSA-drop-ped0-0001');
    expect(readdirSync(join(dir, 'done'))).toEqual([expect.stringMatching(/-mirror$/)]);
    expect(readdirSync(join(dir, 'failed'))).toEqual([expect.stringMatching(/-broken\.zip$/)]);
    expect(existsSync(join(dir, 'mirror'))).toBe(false);
    expect(await u.importDropped()).toEqual([]);
  });
});
