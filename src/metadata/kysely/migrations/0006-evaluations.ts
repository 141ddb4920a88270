/**
 * Vulnerability evaluations: the latest match of each analyzed image (manifest + platform) against
 * the vulnerability data, with the data revision it used, so the tags list reads summaries without
 * matching, and re-evaluation knows which images are behind the current revision.
 */
import type { Kysely, Migration } from 'kysely';

export const evaluationsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('image_evaluations')
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('evaluated_at', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('finding_keys', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('image_evaluations_pk', ['manifest_digest', 'platform'])
      .execute();
    await db.schema.createIndex('image_evaluations_revision').on('image_evaluations').column('revision').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('image_evaluations').ifExists().execute();
  },
};
