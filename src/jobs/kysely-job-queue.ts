/**
 * JobQueue over the shared metadata database. Only portable SQL: a claim is a conditional
 * `UPDATE … WHERE id = ? AND status = 'queued'` whose row count tells whether this owner won, so
 * many workers on PostgreSQL never run a job twice; dedupe is a unique (kind, active_key) index.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { JobsTable } from '../metadata/kysely/schema/analysis.js';
import {
  backoffDelay,
  defaultBackoff,
  type BackoffPolicy,
  type ClaimOptions,
  type EnqueueOptions,
  type EnqueueResult,
  type Job,
  type JobQueue,
  type JobStatus,
} from './job-queue.js';

const MAX_ERROR_CHARS = 2000;

function toJob(r: Selectable<JobsTable>): Job {
  let payload: unknown;
  try {
    payload = JSON.parse(r.payload);
  } catch {
    payload = undefined;
  }
  return {
    id: r.id,
    kind: r.kind,
    key: r.key ?? undefined,
    payload,
    status: r.status as JobStatus,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: new Date(r.run_at),
    leaseOwner: r.lease_owner ?? undefined,
    leaseExpiresAt: r.lease_expires_at === null ? undefined : new Date(r.lease_expires_at),
    lastError: r.last_error ?? undefined,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

export interface KyselyJobQueueOptions {
  readonly backoff?: BackoffPolicy;
  readonly defaultMaxAttempts?: number;
  /** Injectable clock for tests. */
  readonly now?: () => number;
}

export class KyselyJobQueue implements JobQueue {
  private readonly backoff: BackoffPolicy;
  private readonly defaultMaxAttempts: number;
  private readonly now: () => number;

  constructor(private readonly db: Kysely<Database>, opts: KyselyJobQueueOptions = {}) {
    this.backoff = opts.backoff ?? defaultBackoff;
    this.defaultMaxAttempts = opts.defaultMaxAttempts ?? 5;
    this.now = opts.now ?? Date.now;
  }

  private iso(offsetMs = 0): string {
    return new Date(this.now() + offsetMs).toISOString();
  }

  async enqueue(kind: string, payload: unknown, opts: EnqueueOptions = {}): Promise<EnqueueResult> {
    const now = this.iso();
    const id = randomUUID();
    const key = opts.key ?? null;
    const res = await this.db
      .insertInto('jobs')
      .values({
        id,
        kind,
        key,
        active_key: key,
        payload: JSON.stringify(payload ?? null),
        status: 'queued',
        priority: opts.priority ?? 0,
        attempts: 0,
        max_attempts: opts.maxAttempts ?? this.defaultMaxAttempts,
        run_at: opts.runAt?.toISOString() ?? now,
        lease_owner: null,
        lease_expires_at: null,
        last_error: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['kind', 'active_key']).doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0n) === 1) {
      const job = await this.get(id);
      if (job) return { job, created: true };
    }
    const existing = key === null ? undefined : await this.activeByKey(kind, key);
    if (existing) return { job: existing, created: false };
    // The active job finished between our insert and the lookup: the slot is free again.
    return this.enqueue(kind, payload, opts);
  }

  private async activeByKey(kind: string, key: string): Promise<Job | undefined> {
    const r = await this.db.selectFrom('jobs').selectAll().where('kind', '=', kind).where('active_key', '=', key).executeTakeFirst();
    return r ? toJob(r) : undefined;
  }

  async claim(opts: ClaimOptions): Promise<Job[]> {
    if (opts.kinds.length === 0 || opts.limit <= 0) return [];
    const now = this.iso();
    await this.requeueExpired(now);
    const candidates = await this.db
      .selectFrom('jobs')
      .select(['id', 'attempts'])
      .where('status', '=', 'queued')
      .where('run_at', '<=', now)
      .where('kind', 'in', [...opts.kinds])
      .orderBy('priority')
      .orderBy('run_at')
      .limit(opts.limit * 2)
      .execute();
    const claimed: Job[] = [];
    for (const c of candidates) {
      if (claimed.length >= opts.limit) break;
      const res = await this.db
        .updateTable('jobs')
        .set({
          status: 'running',
          lease_owner: opts.owner,
          lease_expires_at: this.iso(opts.leaseMs),
          attempts: c.attempts + 1,
          updated_at: now,
        })
        .where('id', '=', c.id)
        .where('status', '=', 'queued')
        .where('attempts', '=', c.attempts)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) continue; // another worker won this one
      const job = await this.get(c.id);
      if (job) claimed.push(job);
    }
    return claimed;
  }

  /** Running jobs whose worker vanished: back to queued (the crashed attempt counts), or dead. */
  private async requeueExpired(now: string): Promise<void> {
    const expired = await this.db
      .selectFrom('jobs')
      .select(['id', 'attempts', 'max_attempts', 'lease_owner'])
      .where('status', '=', 'running')
      .where('lease_expires_at', '<', now)
      .limit(100)
      .execute();
    for (const e of expired) {
      const dead = e.attempts >= e.max_attempts;
      await this.db
        .updateTable('jobs')
        .set({
          status: dead ? 'dead' : 'queued',
          active_key: dead ? null : undefined,
          lease_owner: null,
          lease_expires_at: null,
          run_at: this.iso(dead ? 0 : backoffDelay(this.backoff, e.attempts)),
          last_error: 'lease expired (worker stopped or crashed)',
          updated_at: now,
        })
        .where('id', '=', e.id)
        .where('status', '=', 'running')
        .where('lease_expires_at', '<', now)
        .execute();
    }
  }

  async renew(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const res = await this.db
      .updateTable('jobs')
      .set({ lease_expires_at: this.iso(leaseMs), updated_at: this.iso() })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async complete(id: string, owner: string): Promise<boolean> {
    const res = await this.db
      .updateTable('jobs')
      .set({ status: 'done', active_key: null, lease_owner: null, lease_expires_at: null, updated_at: this.iso() })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async fail(id: string, owner: string, error: string, opts: { permanent?: boolean } = {}): Promise<JobStatus | undefined> {
    const job = await this.get(id);
    if (job?.status !== 'running' || job.leaseOwner !== owner) return undefined;
    const dead = opts.permanent === true || job.attempts >= job.maxAttempts;
    const res = await this.db
      .updateTable('jobs')
      .set({
        status: dead ? 'dead' : 'queued',
        active_key: dead ? null : undefined,
        lease_owner: null,
        lease_expires_at: null,
        run_at: this.iso(dead ? 0 : backoffDelay(this.backoff, job.attempts)),
        last_error: error.slice(0, MAX_ERROR_CHARS),
        updated_at: this.iso(),
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return undefined;
    return dead ? 'dead' : 'queued';
  }

  async release(id: string, owner: string): Promise<boolean> {
    const job = await this.get(id);
    if (job?.status !== 'running' || job.leaseOwner !== owner) return false;
    const res = await this.db
      .updateTable('jobs')
      .set({
        status: 'queued',
        attempts: Math.max(0, job.attempts - 1),
        lease_owner: null,
        lease_expires_at: null,
        run_at: this.iso(),
        updated_at: this.iso(),
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async get(id: string): Promise<Job | undefined> {
    const r = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toJob(r) : undefined;
  }

  async findByKey(kind: string, key: string): Promise<Job | undefined> {
    const active = await this.activeByKey(kind, key);
    if (active) return active;
    const r = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', kind)
      .where('key', '=', key)
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? toJob(r) : undefined;
  }

  async list(filter: { kind?: string; status?: JobStatus; limit?: number } = {}): Promise<Job[]> {
    let q = this.db.selectFrom('jobs').selectAll();
    if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind);
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    const rows = await q.orderBy('created_at').limit(filter.limit ?? 1000).execute();
    return rows.map(toJob);
  }

  async purgeFinished(before: Date): Promise<number> {
    const res = await this.db
      .deleteFrom('jobs')
      .where('status', 'in', ['done', 'dead'])
      .where('updated_at', '<', before.toISOString())
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async counts(): Promise<Record<JobStatus, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    const out: Record<JobStatus, number> = { queued: 0, running: 0, done: 0, dead: 0 };
    for (const r of rows) if (r.status in out) out[r.status as JobStatus] = Number(r.n);
    return out;
  }
}
