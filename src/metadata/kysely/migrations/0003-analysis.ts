/**
 * The durable job queue and the normalized SBOM store: analyses (one per platform image), packages
 * (deduplicated by content hash) and image_packages. packages(ecosystem, name) is indexed so "which
 * images contain package X of ecosystem E" is one indexed query.
 */
import type { Kysely, Migration } from 'kysely';

export const analysisMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('key', 'text')
      .addColumn('active_key', 'text')
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('run_at', 'text', (c) => c.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_expires_at', 'text')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // NULLs never collide in a unique index (SQLite and PostgreSQL alike): finished jobs free the slot.
    await db.schema.createIndex('jobs_active_key').on('jobs').columns(['kind', 'active_key']).unique().execute();
    await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();
    await db.schema.createIndex('jobs_key').on('jobs').columns(['kind', 'key']).execute();

    await db.schema
      .createTable('analyses')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('root_digest', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('cataloger_set', 'text', (c) => c.notNull())
      .addColumn('config_digest', 'text')
      .addColumn('layers', 'text')
      .addColumn('distro_id', 'text')
      .addColumn('distro_version', 'text')
      .addColumn('distro_ecosystem', 'text')
      .addColumn('distro', 'text')
      .addColumn('tool_version', 'text')
      .addColumn('queued_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .execute();
    await db.schema.createIndex('analyses_image').on('analyses').columns(['manifest_digest', 'platform']).unique().execute();
    await db.schema.createIndex('analyses_root').on('analyses').column('root_digest').execute();

    await db.schema
      .createTable('packages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('ecosystem', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('purl', 'text', (c) => c.notNull())
      .addColumn('source_name', 'text')
      .addColumn('source_version', 'text')
      .addColumn('licenses', 'text', (c) => c.notNull())
      .addColumn('metadata', 'text')
      .addColumn('found_by', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('packages_ecosystem_name').on('packages').columns(['ecosystem', 'name']).execute();

    await db.schema
      .createTable('image_packages')
      .addColumn('analysis_id', 'text', (c) => c.notNull())
      .addColumn('package_id', 'text', (c) => c.notNull())
      .addColumn('locations', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('image_packages_pk', ['analysis_id', 'package_id'])
      .execute();
    await db.schema.createIndex('image_packages_package').on('image_packages').column('package_id').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const t of ['image_packages', 'packages', 'analyses', 'jobs']) await db.schema.dropTable(t).ifExists().execute();
  },
};
