/** JobQueue (Kysely/SQLite) and JobRunner: dedupe, retry with backoff, lease expiry after a crash, concurrency bound. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noopLogger } from '../core/log.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import { openSqliteDatabase } from '../metadata/sqlite/sqlite-metadata-store.js';
import { backoffDelay } from './job-queue.js';
import { KyselyJobQueue } from './kysely-job-queue.js';
import { JobRunner, PermanentJobError } from './job-runner.js';

let dir: string;
let dbs: Kysely<Database>[] = [];
let clock = Date.parse('2026-01-01T00:00:00Z');
const now = () => clock;

async function open(): Promise<Kysely<Database>> {
  const db = await openSqliteDatabase(join(dir, 'jobs.db'));
  dbs.push(db);
  return db;
}

const waitFor = async (cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jobs-'));
  clock = Date.parse('2026-01-01T00:00:00Z');
});
afterEach(async () => {
  for (const db of dbs) await db.destroy();
  dbs = [];
  rmSync(dir, { recursive: true, force: true });
});

describe('KyselyJobQueue', () => {
  it('deduplicates by key while a job is active, and frees the key once it is done', async () => {
    const q = new KyselyJobQueue(await open(), { now });
    const a = await q.enqueue('analyze', { d: 1 }, { key: 'sha256:x' });
    const b = await q.enqueue('analyze', { d: 2 }, { key: 'sha256:x' });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.job.id).toBe(a.job.id);
    const other = await q.enqueue('match', {}, { key: 'sha256:x' });
    expect(other.created).toBe(true);
    const [claimed] = await q.claim({ kinds: ['analyze'], owner: 'w1', leaseMs: 1000, limit: 5 });
    expect(claimed?.id).toBe(a.job.id);
    // still active while running
    expect((await q.enqueue('analyze', {}, { key: 'sha256:x' })).created).toBe(false);
    expect(await q.complete(a.job.id, 'w1')).toBe(true);
    const again = await q.enqueue('analyze', {}, { key: 'sha256:x' });
    expect(again.created).toBe(true);
    expect((await q.findByKey('analyze', 'sha256:x'))?.id).toBe(again.job.id);
  });

  it('retries with exponential backoff, then marks the job dead', async () => {
    const backoff = { baseMs: 1000, maxMs: 60_000 };
    const q = new KyselyJobQueue(await open(), { now, backoff });
    const { job } = await q.enqueue('k', {}, { maxAttempts: 3 });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [c] = await q.claim({ kinds: ['k'], owner: 'w', leaseMs: 1000, limit: 1 });
      expect(c?.attempts).toBe(attempt);
      const status = await q.fail(job.id, 'w', `boom ${attempt}`);
      const after = await q.get(job.id);
      if (attempt < 3) {
        expect(status).toBe('queued');
        delays.push((after?.runAt.getTime() ?? 0) - clock);
        // not claimable before the backoff elapsed
        expect(await q.claim({ kinds: ['k'], owner: 'w', leaseMs: 1000, limit: 1 })).toHaveLength(0);
        clock += backoffDelay(backoff, attempt);
      } else {
        expect(status).toBe('dead');
        expect(after?.lastError).toBe('boom 3');
      }
    }
    expect(delays).toEqual([1000, 2000]);
    expect((await q.counts()).dead).toBe(1);
  });

  it('re-claims a job whose worker crashed once its lease expires (same SQLite file opened twice)', async () => {
    const crashed = new KyselyJobQueue(await open(), { now, backoff: { baseMs: 0, maxMs: 0 } });
    const { job } = await crashed.enqueue('k', { n: 1 }, { key: 'a' });
    expect(await crashed.claim({ kinds: ['k'], owner: 'dead-worker', leaseMs: 5000, limit: 1 })).toHaveLength(1);
    // The first process "crashes": it never renews. A second process opens the same file.
    const q2 = new KyselyJobQueue(await open(), { now, backoff: { baseMs: 0, maxMs: 0 } });
    expect(await q2.claim({ kinds: ['k'], owner: 'w2', leaseMs: 5000, limit: 1 })).toHaveLength(0);
    clock += 5001;
    const [again] = await q2.claim({ kinds: ['k'], owner: 'w2', leaseMs: 5000, limit: 1 });
    expect(again?.id).toBe(job.id);
    expect(again?.attempts).toBe(2);
    // The crashed owner lost the job: its late completion is refused.
    expect(await crashed.complete(job.id, 'dead-worker')).toBe(false);
    expect(await q2.complete(job.id, 'w2')).toBe(true);
  });

  it('purges finished jobs older than the cut-off and keeps active ones', async () => {
    const q = new KyselyJobQueue(await open(), { now });
    const done = await q.enqueue('k', {});
    await q.enqueue('k', {}, { runAt: new Date(clock + 3600_000) }); // still queued
    await q.claim({ kinds: ['k'], owner: 'w', leaseMs: 1000, limit: 1 });
    await q.complete(done.job.id, 'w');
    expect(await q.purgeFinished(new Date(clock - 1))).toBe(0);
    clock += 10_000;
    expect(await q.purgeFinished(new Date(clock))).toBe(1);
    expect(await q.counts()).toEqual({ queued: 1, running: 0, done: 0, dead: 0 });
  });

  it('lets exactly one of two concurrent claimers win each job', async () => {
    const q1 = new KyselyJobQueue(await open(), { now });
    const q2 = new KyselyJobQueue(await open(), { now });
    for (let i = 0; i < 20; i++) await q1.enqueue('k', { i });
    const [a, b] = await Promise.all([
      q1.claim({ kinds: ['k'], owner: 'a', leaseMs: 1000, limit: 20 }),
      q2.claim({ kinds: ['k'], owner: 'b', leaseMs: 1000, limit: 20 }),
    ]);
    const ids = [...(a ?? []), ...(b ?? [])].map((j) => j.id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
  });
});

describe('JobRunner', () => {
  it('never runs more than `concurrency` jobs at once and completes them all', async () => {
    const q = new KyselyJobQueue(await open());
    for (let i = 0; i < 8; i++) await q.enqueue('k', { i });
    let active = 0;
    let peak = 0;
    const runner = new JobRunner({
      queue: q,
      log: noopLogger,
      concurrency: 3,
      pollMs: 10,
      handlers: {
        k: async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 30));
          active--;
        },
      },
    });
    runner.start();
    await waitFor(async () => (await q.counts()).done === 8);
    await runner.stop();
    expect(peak).toBe(3);
    expect(runner.peakConcurrency).toBe(3);
  });

  it('retries failing handlers and sends permanent errors straight to dead', async () => {
    const q = new KyselyJobQueue(await open(), { backoff: { baseMs: 5, maxMs: 5 } });
    const flaky = await q.enqueue('flaky', {}, { maxAttempts: 5 });
    const bad = await q.enqueue('bad', {}, { maxAttempts: 5 });
    let calls = 0;
    const runner = new JobRunner({
      queue: q,
      log: noopLogger,
      pollMs: 10,
      handlers: {
        flaky: () => (++calls < 3 ? Promise.reject(new Error('transient')) : Promise.resolve()),
        bad: () => Promise.reject(new PermanentJobError('unparseable')),
      },
    });
    runner.start();
    await waitFor(async () => (await q.get(flaky.job.id))?.status === 'done' && (await q.get(bad.job.id))?.status === 'dead');
    await runner.stop();
    expect(calls).toBe(3);
    expect((await q.get(bad.job.id))?.attempts).toBe(1);
  });

  it('on stop releases a job that does not finish within the grace period, so a restart runs it', async () => {
    const q = new KyselyJobQueue(await open());
    const { job } = await q.enqueue('slow', {});
    let sawAbort = false;
    const runner = new JobRunner({
      queue: q,
      log: noopLogger,
      pollMs: 10,
      graceMs: 50,
      handlers: {
        slow: (_p, ctx) =>
          new Promise((_resolve, reject) => {
            ctx.signal.addEventListener('abort', () => {
              sawAbort = true;
              reject(new Error('aborted'));
            });
          }),
      },
    });
    runner.start();
    await waitFor(() => runner.activeCount === 1);
    await runner.stop();
    expect(sawAbort).toBe(true);
    const after = await q.get(job.id);
    expect(after?.status).toBe('queued');
    expect(after?.attempts).toBe(0);
    const restarted = new JobRunner({ queue: q, log: noopLogger, pollMs: 10, handlers: { slow: () => Promise.resolve() } });
    restarted.start();
    await waitFor(async () => (await q.get(job.id))?.status === 'done');
    await restarted.stop();
  });
});
