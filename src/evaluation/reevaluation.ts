/**
 * Continuous re-evaluation of `advanced` repositories. Worker processes check every few seconds
 * whether the vulnerability data moved past the revision every advanced evaluation caught up with
 * (whoever imported it: `crowsnest db import` in another process, a scheduled update, the API), and
 * enqueue one durable `reevaluate` job. The job reads the package keys the new revisions touched,
 * finds the images whose stored SBOMs contain them (image_match_keys), and re-matches exactly those
 * from their stored SBOMs; a matcher upgrade re-matches every advanced evaluation instead.
 */
import type { Kysely } from 'kysely';
import type { SbomStore } from '../analysis/store/sbom-store.js';
import type { Logger } from '../core/log.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { JobHandler, JobRunner } from '../jobs/job-runner.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { RepositorySettingsStore } from '../repositories/repository-settings.js';
import type { VulnDb } from '../vulndb/vulndb-store.js';
import type { ImageEvaluator } from './image-evaluator.js';

export const REEVALUATE_JOB = 'reevaluate';
const KEY_CHUNK = 200;

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
    let keys: { ecosystem: string; package: string }[] = [];
    let images: { manifestDigest: string; platform: string }[];
    if (full) {
      images = (await this.deps.db.selectFrom('evaluations').select(['manifest_digest', 'platform']).distinct().execute()).map((r) => ({
        manifestDigest: r.manifest_digest,
        platform: r.platform,
      }));
    } else {
      keys = await this.deps.db
        .selectFrom('vuln_changes')
        .select(['ecosystem', 'package'])
        .distinct()
        .where('revision', '>', from)
        .where('revision', '<=', to)
        .execute();
      images = await this.imagesWithKeys(keys);
    }
    const advanced = new Map<string, boolean>();
    const isAdvanced = async (repository: string): Promise<boolean> => {
      let a = advanced.get(repository);
      if (a === undefined) advanced.set(repository, (a = (await this.deps.settings.get(repository)).analysis === 'advanced'));
      return a;
    };
    let evaluated = 0;
    let changed = 0;
    for (const image of images) {
      const repositories: string[] = [];
      for (const r of await this.deps.db
        .selectFrom('evaluations')
        .select('repository')
        .where('manifest_digest', '=', image.manifestDigest)
        .where('platform', '=', image.platform)
        .execute()) {
        if (await isAdvanced(r.repository)) repositories.push(r.repository);
      }
      if (repositories.length === 0) continue;
      const sbom = await this.deps.sboms.load(image.manifestDigest, image.platform);
      if (!sbom) continue;
      const matched = await this.deps.evaluator.match(sbom);
      evaluated++;
      for (const repository of repositories) {
        const { diff } = await this.deps.evaluator.store(repository, image.platform, matched, 'reevaluation');
        if (diff.added.length + diff.removed.length + diff.changed.length > 0) changed++;
      }
    }
    await this.saveState(to);
    await this.deps.db.deleteFrom('vuln_changes').where('revision', '<=', to).execute();
    const outcome = { fromRevision: from, toRevision: to, full, touchedKeys: keys.length, images: evaluated, changed };
    this.deps.log.info(outcome, 're-evaluated advanced repositories');
    return outcome;
  }

  /** Images whose stored SBOM has a package under one of these (ecosystem, name) keys. */
  private async imagesWithKeys(keys: readonly { ecosystem: string; package: string }[]): Promise<{ manifestDigest: string; platform: string }[]> {
    const found = new Map<string, { manifestDigest: string; platform: string }>();
    for (let i = 0; i < keys.length; i += KEY_CHUNK) {
      const part = keys.slice(i, i + KEY_CHUNK);
      const rows = await this.deps.db
        .selectFrom('image_match_keys')
        .select(['manifest_digest', 'platform'])
        .distinct()
        .where((eb) => eb.or(part.map((k) => eb.and([eb('ecosystem', '=', k.ecosystem), eb('name', '=', k.package)]))))
        .execute();
      for (const r of rows) found.set(`${r.manifest_digest} ${r.platform}`, { manifestDigest: r.manifest_digest, platform: r.platform });
    }
    return [...found.values()];
  }
}
