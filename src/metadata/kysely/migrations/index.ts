/**
 * Versioned schema migrations as TypeScript objects (no files to locate at runtime), run by
 * Kysely's Migrator in name order. One file per domain; append new entries, never edit one that shipped.
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { registryMigration } from './0001-registry.js';
import { repositorySettingsMigration } from './0002-repository-settings.js';
import { vulndbMigration } from './0004-vulndb.js';
import { accountsMigration } from './0005-accounts.js';

const migrations: Record<string, Migration> = {
  '0001-registry': registryMigration,
  '0002-repository-settings': repositorySettingsMigration,
  '0004-vulndb': vulndbMigration,
  '0005-accounts': accountsMigration,
};

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

/** Brings the schema to the latest version; throws with the failing migration's error. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'crowsnest_migrations', migrationLockTableName: 'crowsnest_migrations_lock' });
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
