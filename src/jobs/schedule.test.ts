import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, startPostgres, type PostgresServer } from '../../test/helpers/postgres.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import { openPostgresDatabase } from '../metadata/postgres/postgres-database.js';
import { openSqliteDatabase } from '../metadata/sqlite/sqlite-metadata-store.js';
import { Scheduler } from './schedule.js';

const log = pino({ level: 'silent' });

/** Two processes' schedulers on one database: each slot is claimed by exactly one of them. */
function describeOncePerInterval(name: string, open: () => Promise<[Kysely<Database>, Kysely<Database>, () => Promise<void>]>): void {
  describe(`Scheduler on ${name}`, () => {
    it('runs a task once per interval across processes, and again only after the interval', async () => {
      const [a, b, close] = await open();
      try {
        let now = Date.parse('2026-11-23T00:00:00Z');
        const clock = () => now;
        const s1 = new Scheduler(a, log, clock);
        const s2 = new Scheduler(b, log, clock);
        let runs = 0;
        const task = { name: 'purge', intervalMs: 60_000, run: () => Promise.resolve(void runs++) };
        const first = await Promise.all([s1.tick(task), s2.tick(task), s1.tick(task), s2.tick(task)]);
        expect(first.filter(Boolean)).toHaveLength(1);
        expect(runs).toBe(1);
        now += 30_000;
        expect(await Promise.all([s1.tick(task), s2.tick(task)])).toEqual([false, false]);
        now += 31_000;
        const second = await Promise.all([s2.tick(task), s1.tick(task)]);
        expect(second.filter(Boolean)).toHaveLength(1);
        expect(runs).toBe(2);
      } finally {
        await close();
      }
    });

    it('logs a failing task and keeps the schedule', async () => {
      const [a, , close] = await open();
      try {
        const s = new Scheduler(a, log);
        expect(await s.tick({ name: 'boom', intervalMs: 1000, run: () => Promise.reject(new Error('boom')) })).toBe(false);
        expect((await a.selectFrom('schedules').select('name').where('name', '=', 'boom').executeTakeFirst())?.name).toBe('boom');
      } finally {
        await close();
      }
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'crowsnest-schedule-'));
let n = 0;
describeOncePerInterval('SQLite (two connections to one file)', async () => {
  const path = join(dir, `s${++n}.db`);
  const a = await openSqliteDatabase(path);
  const b = await openSqliteDatabase(path);
  return [a, b, async () => void (await Promise.all([a.destroy(), b.destroy()]))];
});

describe.skipIf(!hasPostgres())('on PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  describeOncePerInterval('PostgreSQL (two pools)', async () => {
    const url = await server.createDatabase();
    const a = await openPostgresDatabase(url);
    const b = await openPostgresDatabase(url);
    return [a, b, async () => void (await Promise.all([a.destroy(), b.destroy()]))];
  });
});
