/**
 * Runs job handlers with bounded concurrency: polls the queue, renews each running job's lease,
 * records success/failure (retry with backoff is the queue's), and stops gracefully — running jobs
 * get `graceMs` to finish, then are aborted and released so another worker (or restart) takes them.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../core/log.js';
import type { Job, JobQueue } from './job-queue.js';

export interface JobContext {
  readonly job: Job;
  /** Aborted on shutdown (after the grace period) or when the lease is lost. */
  readonly signal: AbortSignal;
}

export type JobHandler = (payload: unknown, ctx: JobContext) => Promise<void>;

/** Thrown by a handler for input that will never succeed: the job goes dead without retries. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

export interface JobRunnerOptions {
  readonly queue: JobQueue;
  readonly handlers: Readonly<Record<string, JobHandler>>;
  readonly log: Logger;
  readonly concurrency?: number;
  readonly leaseMs?: number;
  readonly pollMs?: number;
  /** How long `stop()` lets running jobs finish before aborting and releasing them. */
  readonly graceMs?: number;
  /** Finished jobs older than this are deleted (checked hourly); default 7 days. */
  readonly keepFinishedMs?: number;
  readonly owner?: string;
}

interface Running {
  readonly job: Job;
  readonly abort: AbortController;
  readonly done: Promise<void>;
  released: boolean;
}

export class JobRunner {
  readonly owner: string;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly graceMs: number;
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private polling = false;
  private pollAgain = false;
  private started = false;
  /** Highest number of jobs that ran at once (observable in tests and metrics). */
  peakConcurrency = 0;
  private readonly stopHooks: (() => void)[] = [];

  constructor(private readonly opts: JobRunnerOptions) {
    this.owner = opts.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.leaseMs = opts.leaseMs ?? 60_000;
    this.pollMs = opts.pollMs ?? 1_000;
    this.graceMs = opts.graceMs ?? 10_000;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.timer.unref();
    const keep = this.opts.keepFinishedMs ?? 7 * 24 * 3600_000;
    const purge = (): void =>
      void this.opts.queue.purgeFinished(new Date(Date.now() - keep)).catch((err: unknown) => this.opts.log.error({ err }, 'job purge failed'));
    this.purgeTimer = setInterval(purge, 3600_000);
    this.purgeTimer.unref();
    purge();
    this.wake();
  }

  /** Polls now (e.g. right after an in-process enqueue) instead of waiting for the next tick. */
  wake(): void {
    if (this.stopping || !this.started) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    void this.poll()
      .catch((err: unknown) => this.opts.log.error({ err }, 'job poll failed'))
      .finally(() => {
        this.polling = false;
        if (this.pollAgain) {
          this.pollAgain = false;
          this.wake();
        }
      });
  }

  get activeCount(): number {
    return this.running.size;
  }

  private async poll(): Promise<void> {
    const free = this.concurrency - this.running.size;
    if (free <= 0) return;
    const jobs = await this.opts.queue.claim({
      kinds: Object.keys(this.opts.handlers),
      owner: this.owner,
      leaseMs: this.leaseMs,
      limit: free,
    });
    for (const job of jobs) this.run(job);
  }

  private run(job: Job): void {
    const abort = new AbortController();
    const entry: Running = { job, abort, released: false, done: Promise.resolve() };
    const renew = setInterval(() => {
      void this.opts.queue.renew(job.id, this.owner, this.leaseMs).then(
        (ok) => {
          if (!ok) {
            this.opts.log.warn({ job: job.id }, 'job lease lost; aborting');
            abort.abort(new Error('lease lost'));
          }
        },
        (err: unknown) => this.opts.log.error({ err, job: job.id }, 'lease renewal failed'),
      );
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    renew.unref();
    const handler = this.opts.handlers[job.kind];
    const done = (async () => {
      try {
        if (!handler) throw new PermanentJobError(`no handler for ${job.kind}`);
        await handler(job.payload, { job, signal: abort.signal });
        clearInterval(renew);
        await this.opts.queue.complete(job.id, this.owner);
      } catch (err: unknown) {
        clearInterval(renew);
        if (entry.released) return;
        const message = err instanceof Error ? err.message : String(err);
        const status = await this.opts.queue.fail(job.id, this.owner, message, { permanent: err instanceof PermanentJobError });
        this.opts.log.warn({ job: job.id, kind: job.kind, attempt: job.attempts, status, err: message }, 'job failed');
      }
    })()
      .catch((err: unknown) => this.opts.log.error({ err, job: job.id }, 'job bookkeeping failed'))
      .finally(() => {
        clearInterval(renew);
        this.running.delete(job.id);
        if (!this.stopping) this.wake();
      });
    (entry as { done: Promise<void> }).done = done;
    this.running.set(job.id, entry);
    this.peakConcurrency = Math.max(this.peakConcurrency, this.running.size);
  }

  /** Runs `hook` when stop() begins (timers that feed this runner with work). */
  onStop(hook: () => void): void {
    this.stopHooks.push(hook);
  }

  /** Stops claiming, waits up to graceMs for running jobs, then aborts and releases the rest. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const hook of this.stopHooks.splice(0)) hook();
    if (this.timer) clearInterval(this.timer);
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    while (this.polling) await new Promise((r) => setTimeout(r, 10));
    const all = [...this.running.values()];
    if (all.length === 0) return;
    let timeout: NodeJS.Timeout | undefined;
    const grace = new Promise<'timeout'>((r) => (timeout = setTimeout(() => r('timeout'), this.graceMs)));
    const finished = await Promise.race([Promise.all(all.map((r) => r.done)).then(() => 'done' as const), grace]);
    clearTimeout(timeout);
    if (finished === 'done') return;
    for (const r of this.running.values()) {
      r.released = true;
      await this.opts.queue.release(r.job.id, this.owner).catch(() => false);
      r.abort.abort(new Error('worker stopping'));
    }
    await Promise.all([...this.running.values()].map((r) => r.done));
  }
}
