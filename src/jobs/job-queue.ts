/**
 * The durable job queue contract: enqueue with a dedupe key, claim with a lease, complete, fail
 * with retry and exponential backoff up to `maxAttempts` then dead. Embedded setups back it with
 * the metadata database (kysely-job-queue.ts); a later issue runs many workers on PostgreSQL.
 */

export type JobStatus = 'queued' | 'running' | 'done' | 'dead';

export interface Job {
  readonly id: string;
  readonly kind: string;
  /** Dedupe key the job was enqueued with (only one queued/running job per kind + key). */
  readonly key: string | undefined;
  readonly payload: unknown;
  readonly status: JobStatus;
  /** Attempts started so far (a claim starts one). */
  readonly attempts: number;
  readonly maxAttempts: number;
  /** Not claimable before this time (backoff). */
  readonly runAt: Date;
  readonly leaseOwner: string | undefined;
  readonly leaseExpiresAt: Date | undefined;
  readonly lastError: string | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface EnqueueOptions {
  /** While a job of this kind with this key is queued or running, enqueueing again returns it. */
  readonly key?: string;
  readonly maxAttempts?: number;
  /** Lower runs first among due jobs. */
  readonly priority?: number;
  readonly runAt?: Date;
}

export interface EnqueueResult {
  readonly job: Job;
  /** False when an active job with the same key already existed. */
  readonly created: boolean;
}

export interface ClaimOptions {
  readonly kinds: readonly string[];
  readonly owner: string;
  readonly leaseMs: number;
  readonly limit: number;
}

export interface JobQueue {
  enqueue(kind: string, payload: unknown, opts?: EnqueueOptions): Promise<EnqueueResult>;
  /**
   * Claims up to `limit` due jobs (also re-queues running jobs whose lease expired, e.g. after a
   * crash). Safe under concurrency: a job is claimed by exactly one owner.
   */
  claim(opts: ClaimOptions): Promise<Job[]>;
  /** Extends the lease; false when the lease was lost (expired and taken by someone else). */
  renew(id: string, owner: string, leaseMs: number): Promise<boolean>;
  complete(id: string, owner: string): Promise<boolean>;
  /**
   * Records a failed attempt: re-queued after backoff while attempts remain (and `permanent` is
   * false), otherwise dead. Returns the resulting status, or undefined when the lease was lost.
   */
  fail(id: string, owner: string, error: string, opts?: { permanent?: boolean }): Promise<JobStatus | undefined>;
  /** Gives a running job back without counting the attempt (graceful shutdown). */
  release(id: string, owner: string): Promise<boolean>;
  get(id: string): Promise<Job | undefined>;
  /** The active (queued or running) job of this kind and key, else the latest one. */
  findByKey(kind: string, key: string): Promise<Job | undefined>;
  list(filter?: { kind?: string; status?: JobStatus; limit?: number }): Promise<Job[]>;
  counts(): Promise<Record<JobStatus, number>>;
  /** Deletes finished (done or dead) jobs last updated before `before`; returns how many. */
  purgeFinished(before: Date): Promise<number>;
}

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 2_000, maxMs: 10 * 60_000 };

/** Delay before attempt `attempts + 1`: base · 2^(attempts−1), capped. */
export function backoffDelay(policy: BackoffPolicy, attempts: number): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
}
