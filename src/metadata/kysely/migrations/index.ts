/**
 * Versioned schema migrations as TypeScript objects (no files to locate at runtime), run by
 * Kysely's Migrator in name order. One file per domain; append new entries, never edit one that shipped.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { registryMigration } from './0001-registry.js';
import { repositorySettingsMigration } from './0002-repository-settings.js';
import { analysisMigration } from './0003-analysis.js';
import { vulndbMigration } from './0004-vulndb.js';
import { accountsMigration } from './0005-accounts.js';
import { evaluationsMigration } from './0006-evaluations.js';
import { schedulesMigration } from './0008-schedules.js';
import { manifestDigestIndexMigration } from './0009-manifest-digest-index.js';
import { sharedAuthStateMigration } from './0012-shared-auth-state.js';
import { reevaluationMigration } from './0013-reevaluation.js';
import { webhooksMigration } from './0014-webhooks.js';
import { vulndbScheduleMigration } from './0015-vulndb-schedule.js';
import { baseImagesMigration } from './0016-base-images.js';
import { evaluationFindingsMigration } from './0017-evaluation-findings.js';
import { vulndbInfoMigration } from './0018-vulndb-info.js';
import { packageFindingsMigration } from './0019-package-findings.js';
import { vulndbMatchIndexMigration } from './0020-vulndb-match-index.js';

const migrations: Record<string, Migration> = {
  '0001-registry': registryMigration,
  '0002-repository-settings': repositorySettingsMigration,
  '0003-analysis': analysisMigration,
  '0004-vulndb': vulndbMigration,
  '0005-accounts': accountsMigration,
  '0006-evaluations': evaluationsMigration,
  '0008-schedules': schedulesMigration,
  '0009-manifest-digest-index': manifestDigestIndexMigration,
  '0012-shared-auth-state': sharedAuthStateMigration,
  '0013-reevaluation': reevaluationMigration,
  '0014-webhooks': webhooksMigration,
  '0015-vulndb-schedule': vulndbScheduleMigration,
  '0016-base-images': baseImagesMigration,
  '0017-evaluation-findings': evaluationFindingsMigration,
  '0018-vulndb-info': vulndbInfoMigration,
  '0019-package-findings': packageFindingsMigration,
  '0020-vulndb-match-index': vulndbMatchIndexMigration,
};

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

/** Brings the schema to the latest version; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  // Domains add migrations independently, so one may land after a later-numbered one was applied.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true, migrationTableName: 'crowsnest_migrations', migrationLockTableName: 'crowsnest_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed`, { cause: error });
  }
}

/** Migrates a freshly opened database, closing it when that fails (so no pool or handle leaks). */
export async function migratedOrClosed<DB>(db: Kysely<DB>): Promise<Kysely<DB>> {
  try {
    await migrateToLatest(db as unknown as Kysely<unknown>);
  } catch (err: unknown) {
    await db.destroy();
    throw err;
  }
  return db;
}
