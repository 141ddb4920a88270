/**
 * Findings per package instead of per image: the outcome of matching a package (its match key and
 * purl) is the same in every image that holds it, so it is stored once, with the range of findings
 * epochs in which it held. An evaluation pins the epoch it was made at: a `basic` one keeps reading
 * its push-time rows, an `advanced` one is moved to the newest epoch whenever one of its packages
 * changed, so a data change writes a few package rows and one summary per image instead of rows per
 * image. Evaluations made before this migration keep their rows in evaluation_findings (epoch null).
 */
import type { Kysely, Migration } from 'kysely';

export const packageFindingsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // Every package some image was matched by, with what the matcher needs (a delta re-matches these).
    await db.schema
      .createTable('match_packages')
      .addColumn('ecosystem', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('purl', 'text', (c) => c.notNull())
      .addColumn('package', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('match_packages_pk', ['ecosystem', 'name', 'purl'])
      .execute();
    await db.schema
      .createTable('package_findings')
      .addColumn('ecosystem', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('purl', 'text', (c) => c.notNull())
      .addColumn('vuln_id', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('fixed', 'integer', (c) => c.notNull())
      // When the package first had this finding (kept across changes of severity or fix).
      .addColumn('since', 'text', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('from_epoch', 'integer', (c) => c.notNull())
      // Null while current; the first epoch in which the row no longer holds.
      .addColumn('to_epoch', 'integer')
      .addPrimaryKeyConstraint('package_findings_pk', ['ecosystem', 'name', 'purl', 'vuln_id', 'from_epoch'])
      .execute();
    await db.schema.createIndex('package_findings_vuln').on('package_findings').column('vuln_id').execute();
    await db.schema
      .createTable('findings_epoch')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('epoch', 'integer', (c) => c.notNull())
      .execute();
    await db.insertInto('findings_epoch' as never).values({ id: 1, epoch: 0 } as never).execute();
    await db.schema.alterTable('evaluations').addColumn('epoch', 'integer').execute();
    // When the image was first evaluated in the repository: no finding applies to it from before.
    await db.schema.alterTable('evaluations').addColumn('first_at', 'text').execute();
    // Which images hold a package (imagesAffectedBy, deltas): looked up by the package, not the image.
    // Superseded by image_match_packages (every key is there with its packages).
    await db.schema.dropTable('image_match_keys').ifExists().execute();
    await db.schema.createIndex('image_match_packages_purl').on('image_match_packages').columns(['ecosystem', 'name', 'purl', 'manifest_digest', 'platform', 'weight']).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('image_match_packages_purl').ifExists().execute();
    for (const t of ['findings_epoch', 'package_findings', 'match_packages']) await db.schema.dropTable(t).ifExists().execute();
    await db.schema
      .createTable('image_match_keys')
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('ecosystem', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('image_match_keys_pk', ['manifest_digest', 'platform', 'ecosystem', 'name'])
      .execute();
  },
};
