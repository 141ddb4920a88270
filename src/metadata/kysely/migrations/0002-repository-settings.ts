/**
 * Per-repository settings (image analysis level). A row exists only once a setting was changed;
 * absent means the defaults.
 */
import type { Kysely, Migration } from 'kysely';

export const repositorySettingsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('repository_settings')
      .addColumn('repository', 'text', (c) => c.primaryKey())
      .addColumn('analysis', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .execute();
    await db.schema.createIndex('repository_settings_analysis').on('repository_settings').column('analysis').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('repository_settings').ifExists().execute();
  },
};
