/** Manifest lookups by digest alone (deleting an image's analyses, GC) must not scan the table. */
import type { Kysely, Migration } from 'kysely';

export const manifestDigestIndexMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('manifests_digest').on('manifests').column('digest').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('manifests_digest').ifExists().execute();
  },
};
