/**
 * Registry tables: repositories, manifests, tags, blob links, referrers. Shipped — never edit;
 * add a new migration file instead.
 */
import type { Kysely, Migration } from 'kysely';

export const registryMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('repositories')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('repository_blobs')
      .addColumn('repository', 'text', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('repository_blobs_pk', ['repository', 'digest'])
      .execute();
    await db.schema.createIndex('repository_blobs_digest').on('repository_blobs').column('digest').execute();
    await db.schema
      .createTable('manifests')
      .addColumn('repository', 'text', (c) => c.notNull())
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('media_type', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('artifact_type', 'text')
      .addColumn('subject', 'text')
      .addColumn('config_digest', 'text')
      .addColumn('annotations', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('manifests_pk', ['repository', 'digest'])
      .execute();
    await db.schema
      .createTable('manifest_blobs')
      .addColumn('repository', 'text', (c) => c.notNull())
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('blob_digest', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('manifest_blobs_pk', ['repository', 'manifest_digest', 'blob_digest'])
      .execute();
    await db.schema.createIndex('manifest_blobs_blob').on('manifest_blobs').column('blob_digest').execute();
    await db.schema
      .createTable('manifest_children')
      .addColumn('repository', 'text', (c) => c.notNull())
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('child_digest', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('manifest_children_pk', ['repository', 'manifest_digest', 'child_digest'])
      .execute();
    await db.schema
      .createIndex('manifest_children_child')
      .on('manifest_children')
      .columns(['repository', 'child_digest'])
      .execute();
    await db.schema
      .createTable('tags')
      .addColumn('repository', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('tags_pk', ['repository', 'name'])
      .execute();
    await db.schema.createIndex('tags_manifest').on('tags').columns(['repository', 'manifest_digest']).execute();
    await db.schema
      .createTable('referrers')
      .addColumn('repository', 'text', (c) => c.notNull())
      .addColumn('subject_digest', 'text', (c) => c.notNull())
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('media_type', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('artifact_type', 'text')
      .addColumn('annotations', 'text')
      .addPrimaryKeyConstraint('referrers_pk', ['repository', 'subject_digest', 'manifest_digest'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const t of ['referrers', 'tags', 'manifest_children', 'manifest_blobs', 'manifests', 'repository_blobs', 'repositories']) {
      await db.schema.dropTable(t).ifExists().execute();
    }
  },
};
