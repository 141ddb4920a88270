/**
 * Periodic work that must run once per interval across all processes of an installation (stale
 * upload purges, feed updates), however many servers and workers run it. Every process ticks; a
 * tick runs the task only if it wins a conditional UPDATE that moves the task's `next_run_at`
 * forward — one statement, so on SQLite and PostgreSQL exactly one claimant sees a changed row.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from '../core/log.js';
import type { Database } from '../metadata/kysely/schema/index.js';

export interface PeriodicTask {
  readonly name: string;
  readonly intervalMs: number;
  run(): Promise<void>;
}

export class Scheduler {
  private readonly owner = randomUUID();
  private readonly timers: NodeJS.Timeout[] = [];
  private running = new Set<Promise<void>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Claims the task's current slot; true when this process should run it now. */
  async claim(name: string, intervalMs: number): Promise<boolean> {
    const now = new Date(this.clock()).toISOString();
    await this.db
      .insertInto('schedules')
      .values({ name, next_run_at: now, last_owner: null, last_run_at: null })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    const result = await this.db
      .updateTable('schedules')
      .set({ next_run_at: new Date(this.clock() + intervalMs).toISOString(), last_owner: this.owner, last_run_at: now })
      .where('name', '=', name)
      .where('next_run_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Runs the task now if this process wins the slot; errors are logged, never thrown. */
  async tick(task: PeriodicTask): Promise<boolean> {
    try {
      if (!(await this.claim(task.name, task.intervalMs))) return false;
      await task.run();
      return true;
    } catch (err: unknown) {
      this.log.error({ err, task: task.name }, 'scheduled task failed');
      return false;
    }
  }

  /** Ticks every `checkMs` (default: a tenth of the interval, at most a minute) until stop(). */
  start(task: PeriodicTask, checkMs = Math.min(60_000, Math.max(1000, task.intervalMs / 10))): void {
    const run = () => {
      const p = this.tick(task).then(() => undefined);
      this.running.add(p);
      void p.finally(() => this.running.delete(p));
    };
    const timer = setInterval(run, checkMs);
    timer.unref();
    this.timers.push(timer);
    run();
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    await Promise.all([...this.running]);
  }
}
