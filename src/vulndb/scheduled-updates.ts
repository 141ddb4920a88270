/**
 * Keeps the vulnerability data current without anyone running `db update`: worker processes check
 * every half minute whether an update is due, and the one that claims it (a conditional UPDATE on the
 * shared state row) enqueues a durable job that pulls the configured feeds and imports whatever was
 * dropped into the import directory. Failures back off exponentially (at most the interval); the state
 * (last attempt, success, error, next attempt) is shown by `db status` and the API.
 */
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from '../core/log.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { JobHandler, JobRunner } from '../jobs/job-runner.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import { errorMessage, type SourceName } from './advisory-source.js';
import type { Feed } from './feeds.js';
import { sourceByName } from './sources/index.js';
import { updateFeeds, type FeedOutcome } from './update.js';
import type { ImportResult, VulnDb } from './vulndb-store.js';

export const VULNDB_UPDATE_JOB = 'vulndb-update';
const FIRST_RETRY_MS = 5 * 60_000;
/** Files younger than this may still be being copied in: they wait for the next round. */
const SETTLE_MS = 3_000;

export interface UpdateSchedule {
  readonly intervalSeconds: number;
  readonly importDir: string;
  readonly nextAttempt: string | undefined;
  readonly lastAttempt: string | undefined;
  readonly lastSuccess: string | undefined;
  readonly lastError: string | undefined;
  readonly failures: number;
}

export interface ScheduledUpdatesDeps {
  readonly db: Kysely<Database>;
  readonly vulndb: VulnDb;
  readonly queue: JobQueue;
  readonly feeds: () => readonly Feed[];
  readonly intervalSeconds: number;
  readonly importDir: string;
  readonly log: Logger;
  readonly now?: () => number;
  /** Feed downloads (tests serve them from loopback). */
  readonly fetch?: typeof fetch;
}

export interface ImportDirOutcome {
  readonly name: string;
  readonly ok: boolean;
  readonly result?: ImportResult;
  readonly error?: string;
}

export class ScheduledUpdates {
  private readonly now: () => number;

  constructor(private readonly deps: ScheduledUpdatesDeps) {
    this.now = deps.now ?? Date.now;
  }

  async schedule(): Promise<UpdateSchedule> {
    const row = await this.deps.db.selectFrom('vuln_update_state').selectAll().where('id', '=', 1).executeTakeFirst();
    return {
      intervalSeconds: this.deps.intervalSeconds,
      importDir: this.deps.importDir,
      nextAttempt: row?.next_attempt,
      lastAttempt: row?.last_attempt ?? undefined,
      lastSuccess: row?.last_success ?? undefined,
      lastError: row?.last_error ?? undefined,
      failures: row?.failures ?? 0,
    };
  }

  /**
   * Claims the next attempt when it is due (moving next_attempt one interval ahead, so no other process
   * starts one meanwhile) and enqueues the job. The import directory is checked on every round.
   */
  async check(runner?: JobRunner): Promise<boolean> {
    const now = new Date(this.now()).toISOString();
    await this.deps.db
      .insertInto('vuln_update_state')
      .values({ id: 1, next_attempt: now, last_attempt: null, last_success: null, last_error: null, failures: 0 })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    let due = false;
    if (this.deps.intervalSeconds > 0) {
      const claimed = await this.deps.db
        .updateTable('vuln_update_state')
        .set({ next_attempt: new Date(this.now() + this.deps.intervalSeconds * 1000).toISOString(), last_attempt: now })
        .where('id', '=', 1)
        .where('next_attempt', '<=', now)
        .executeTakeFirst();
      due = Number(claimed.numUpdatedRows) === 1;
    }
    const dropped = await this.pendingImports();
    if (!due && dropped.length === 0) return false;
    const { created } = await this.deps.queue.enqueue(VULNDB_UPDATE_JOB, { feeds: due }, { key: due ? 'feeds' : 'import-dir', priority: 3, maxAttempts: 1 });
    if (created) runner?.wake();
    return true;
  }

  readonly handler: JobHandler = async (payload, ctx) => {
    await this.importDropped();
    if ((payload as { feeds?: unknown } | null)?.feeds === true) await this.updateFeeds(ctx.signal);
  };

  /** Pulls every configured feed now and records the outcome (backoff on failure). */
  async updateFeeds(signal?: AbortSignal): Promise<FeedOutcome[]> {
    const feeds = this.deps.feeds();
    let outcomes: FeedOutcome[] = [];
    let error: string | undefined;
    try {
      outcomes = feeds.length === 0 ? [] : await updateFeeds(this.deps.vulndb, feeds, { ...(this.deps.fetch ? { fetch: this.deps.fetch } : {}), ...(signal ? { signal } : {}) });
      const failed = outcomes.filter((o) => !o.ok);
      if (failed.length > 0) error = failed.map((o) => `${o.feed.url}: ${o.ok ? '' : o.error}`).join('; ');
    } catch (err: unknown) {
      error = errorMessage(err);
    }
    const now = this.now();
    if (error === undefined) {
      await this.deps.db
        .updateTable('vuln_update_state')
        .set({ last_success: new Date(now).toISOString(), last_error: null, failures: 0, next_attempt: new Date(now + this.deps.intervalSeconds * 1000).toISOString() })
        .where('id', '=', 1)
        .execute();
      this.deps.log.info({ feeds: feeds.length }, 'vulnerability data updated');
    } else {
      const failures = ((await this.schedule()).failures ?? 0) + 1;
      const delay = Math.min(this.deps.intervalSeconds * 1000, FIRST_RETRY_MS * 2 ** (failures - 1));
      await this.deps.db
        .updateTable('vuln_update_state')
        .set({ last_error: error.slice(0, 2000), failures, next_attempt: new Date(now + delay).toISOString() })
        .where('id', '=', 1)
        .execute();
      this.deps.log.warn({ failures, retryInMs: delay, error }, 'vulnerability data update failed; previous data kept');
    }
    return outcomes;
  }

  /** Entries of the import directory ready to import (not done/, failed/ or hidden, and not still being written). */
  private async pendingImports(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.deps.importDir);
    } catch {
      return [];
    }
    const ready: string[] = [];
    for (const name of names) {
      if (name === 'done' || name === 'failed' || name.startsWith('.')) continue;
      const st = await stat(join(this.deps.importDir, name)).catch(() => undefined);
      if (st && this.now() - st.mtimeMs >= SETTLE_MS) ready.push(name);
    }
    return ready.sort();
  }

  /**
   * Imports what was dropped into the import directory: a folder named after a source (`debian/`,
   * `nvd/` …) holds files of that source; anything else is OSV (JSON files at any depth, or an all.zip).
   * Each entry then moves to done/ or failed/ (with a timestamp), so it is imported once.
   */
  async importDropped(): Promise<ImportDirOutcome[]> {
    const out: ImportDirOutcome[] = [];
    for (const name of await this.pendingImports()) {
      const path = join(this.deps.importDir, name);
      const named = sourceByName(name);
      const inputs: { source: SourceName; path: string }[] = named
        ? (await readdir(path).catch(() => [] as string[])).sort().map((f) => ({ source: named.name, path: join(path, f) }))
        : [{ source: 'osv', path }];
      let ok = true;
      let error: string | undefined;
      let result: ImportResult | undefined;
      for (const input of inputs) {
        const source = sourceByName(input.source);
        if (!source) continue;
        try {
          const issues: string[] = [];
          result = await this.deps.vulndb.import(source.name, source.read(input.path, { issues: (i) => issues.push(i.message) }), { origin: input.path, skipped: () => issues.length });
          if (result.read === 0 && issues.length > 0) {
            ok = false;
            error = `nothing readable: ${issues.slice(0, 3).join('; ')}`;
            break;
          }
        } catch (err: unknown) {
          ok = false;
          error = errorMessage(err);
          break;
        }
      }
      const target = join(this.deps.importDir, ok ? 'done' : 'failed');
      await mkdir(target, { recursive: true });
      await rename(path, join(target, `${new Date(this.now()).toISOString().replace(/[:.]/g, '-')}-${name}`));
      if (ok) this.deps.log.info({ name, revision: result?.revision }, 'imported dropped vulnerability data');
      else this.deps.log.warn({ name, error }, 'dropped vulnerability data could not be imported; moved to failed/');
      out.push({ name, ok, ...(result ? { result } : {}), ...(error !== undefined ? { error } : {}) });
    }
    return out;
  }
}
