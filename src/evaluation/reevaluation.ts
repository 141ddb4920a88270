/**
 * Continuous re-evaluation of `advanced` repositories. Worker processes check every few seconds
 * whether the vulnerability data moved past the revision every advanced evaluation caught up with
 * (whoever imported it: `crowsnest db import` in another process, a scheduled update, the API), and
 * enqueue one durable `reevaluate` job. The job reads the package keys the new revisions touched and
 * patches exactly those keys' findings in the advanced evaluations of the images holding them (each
 * touched package version matched once); a matcher upgrade re-matches every advanced evaluation from
 * its stored SBOM instead, in chunks with batched writes.
 */
import type { Kysely } from 'kysely';
import type { SbomStore } from '../analysis/store/sbom-store.js';
import type { Logger } from '../core/log.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { JobHandler, JobRunner } from '../jobs/job-runner.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { RepositorySettingsStore } from '../repositories/repository-settings.js';
import type { VulnDb } from '../vulndb/vulndb-store.js';
import { isEmptyDiff, type ImageEvaluator, type Matched } from './image-evaluator.js';

export const REEVALUATE_JOB = 'reevaluate';
/** Above this many touched keys a re-evaluation reads every image's packages in chunks (see run). */
const PATCH_MAX_KEYS = 2_000;
/** Images whose SBOMs are held in memory at once during a whole re-match. */
const IMAGE_CHUNK = 200;

export interface ReevaluationDeps {
  readonly db: Kysely<Database>;
  readonly queue: JobQueue;
  readonly vulndb: VulnDb;
  readonly sboms: SbomStore;
  readonly settings: RepositorySettingsStore;
  readonly evaluator: ImageEvaluator;
  readonly log: Logger;
}

export interface ReevaluationOutcome {
  readonly fromRevision: number;
  readonly toRevision: number;
  readonly full: boolean;
  readonly touchedKeys: number;
  readonly images: number;
  readonly changed: number;
}

interface State {
  readonly revision: number;
  readonly matcherVersion: number;
}

export class Reevaluation {
  constructor(private readonly deps: ReevaluationDeps) {}

  private async state(): Promise<State | undefined> {
    const row = await this.deps.db.selectFrom('reevaluation_state').select(['revision', 'matcher_version']).where('id', '=', 1).executeTakeFirst();
    return row ? { revision: row.revision, matcherVersion: row.matcher_version } : undefined;
  }

  private async saveState(revision: number): Promise<void> {
    const values = { revision, matcher_version: this.deps.evaluator.matcher.version, updated_at: new Date().toISOString() };
    await this.deps.db
      .insertInto('reevaluation_state')
      .values({ id: 1, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }

  /** Enqueues a re-evaluation when the data or the matcher moved on; true when one is due. */
  async check(runner?: JobRunner): Promise<boolean> {
    const revision = await this.deps.vulndb.revision();
    const state = await this.state();
    const due = revision > (state?.revision ?? 0) || (state !== undefined && state.matcherVersion !== this.deps.evaluator.matcher.version);
    if (!due) return false;
    // One active job at a time (dedupe key); it catches up with whatever revision is current when it runs.
    const { created } = await this.deps.queue.enqueue(REEVALUATE_JOB, {}, { key: 'reevaluate', priority: 5 });
    if (created) runner?.wake();
    return true;
  }

  readonly handler: JobHandler = async () => {
    await this.run();
  };

  /** Brings every advanced evaluation up to the current data revision. */
  async run(): Promise<ReevaluationOutcome> {
    const to = await this.deps.vulndb.revision();
    const state = await this.state();
    const from = state?.revision ?? 0;
    const full = state !== undefined && state.matcherVersion !== this.deps.evaluator.matcher.version;
    const advanced = new Map<string, Promise<boolean>>();
    const isAdvanced = (repository: string): Promise<boolean> => {
      let a = advanced.get(repository);
      if (a === undefined) advanced.set(repository, (a = this.deps.settings.get(repository).then((s) => s.analysis === 'advanced')));
      return a;
    };
    let keys: { ecosystem: string; package: string }[] = [];
    let outcome: { images: number; changed: number };
    if (full) {
      // A matcher upgrade: every stored package re-matched once; images read a chunk at a time.
      const all = (await this.deps.db.selectFrom('match_packages').select(['ecosystem', 'name']).distinct().execute()).map((r) => ({ ecosystem: r.ecosystem, package: r.name }));
      const patched = await this.deps.evaluator.patchKeys(all, isAdvanced, true);
      const rest = await this.rematch(await this.withLegacy(patched.full), isAdvanced);
      outcome = { images: patched.images + rest.images, changed: patched.changed + rest.changed };
    } else {
      keys = await this.deps.db
        .selectFrom('vuln_changes')
        .select(['ecosystem', 'package'])
        .distinct()
        .where('revision', '>', from)
        .where('revision', '<=', to)
        .execute();
      // Only the touched keys' packages are re-matched; a bulk import (a first import, a feed rebuilt)
      // that touches most keys reads the images a chunk at a time instead of by key.
      const patched = keys.length > 0 ? await this.deps.evaluator.patchKeys(keys, isAdvanced, keys.length > PATCH_MAX_KEYS) : { images: 0, changed: 0, full: [] };
      const rest = await this.rematch(await this.withLegacy(patched.full), isAdvanced);
      outcome = { images: patched.images + rest.images, changed: patched.changed + rest.changed };
    }
    await this.saveState(to);
    await this.deps.evaluator.collectUnpinnedRows();
    await this.deps.db.deleteFrom('vuln_changes').where('revision', '<=', to).execute();
    const result = { fromRevision: from, toRevision: to, full, touchedKeys: keys.length, ...outcome };
    this.deps.log.info(result, 're-evaluated advanced repositories');
    return result;
  }

  /**
   * These images plus every image with an evaluation that kept its own rows (before migration 0019):
   * the advanced ones among them are converted by their first re-evaluation, whatever it touched.
   */
  private async withLegacy(images: readonly { manifestDigest: string; platform: string }[]): Promise<{ manifestDigest: string; platform: string }[]> {
    const legacy = await this.deps.db.selectFrom('evaluations').select(['manifest_digest', 'platform']).distinct().where('epoch', 'is', null).execute();
    const all = [...images, ...legacy.map((r) => ({ manifestDigest: r.manifest_digest, platform: r.platform }))];
    return [...new Map(all.map((i) => [`${i.manifestDigest} ${i.platform}`, i])).values()];
  }

  /** Re-matches whole SBOMs for the advanced evaluations of these images, a chunk of images at a time. */
  private async rematch(
    images: readonly { manifestDigest: string; platform: string }[],
    isAdvanced: (repository: string) => Promise<boolean>,
  ): Promise<{ images: number; changed: number }> {
    let evaluated = 0;
    let changed = 0;
    for (let i = 0; i < images.length; i += IMAGE_CHUNK) {
      const part = images.slice(i, i + IMAGE_CHUNK);
      const wanted = new Set(part.map((p) => `${p.manifestDigest}\u0000${p.platform}`));
      const repositories = new Map<string, string[]>();
      const rows = await this.deps.db
        .selectFrom('evaluations')
        .select(['repository', 'manifest_digest', 'platform'])
        .where('manifest_digest', 'in', [...new Set(part.map((p) => p.manifestDigest))])
        .execute();
      for (const r of rows) {
        const k = `${r.manifest_digest}\u0000${r.platform}`;
        if (!wanted.has(k) || !(await isAdvanced(r.repository))) continue;
        const list = repositories.get(k);
        if (list) list.push(r.repository);
        else repositories.set(k, [r.repository]);
      }
      const items: { repository: string; platform: string; matched: Matched }[] = [];
      const sboms = await this.deps.sboms.loadForMatching(part.filter((image) => repositories.has(`${image.manifestDigest}\u0000${image.platform}`)));
      for (const image of part) {
        const repos = repositories.get(`${image.manifestDigest}\u0000${image.platform}`);
        if (!repos) continue;
        const sbom = sboms.get(`${image.manifestDigest} ${image.platform}`);
        if (!sbom) continue;
        const matched = await this.deps.evaluator.match(sbom);
        evaluated++;
        for (const repository of repos.sort()) items.push({ repository, platform: image.platform, matched });
      }
      for (const a of await this.deps.evaluator.storeMany(items, 'reevaluation')) if (!isEmptyDiff(a.diff)) changed++;
    }
    return { images: evaluated, changed };
  }
}
