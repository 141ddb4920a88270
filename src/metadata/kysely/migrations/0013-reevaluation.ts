/**
 * Continuous re-evaluation: evaluations become per repository (a `basic` repository keeps its
 * push-time result while an `advanced` one holding the same image follows the data), each keeps its
 * findings with the time they first applied, and every change is recorded as a history event. The
 * vulnerability database records which package keys each revision touched, and every evaluated image
 * its match keys, so a data change re-matches exactly the images it can affect.
 */
import type { Kysely, Migration } from 'kysely';

export const reevaluationMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // Replaced by `evaluations` (recomputed on demand, nothing to carry over).
    await db.schema.dropTable('image_evaluations').ifExists().execute();
    await db.schema
      .createTable('evaluations')
      .addColumn('repository', 'text', (c) => c.notNull())
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('matcher_version', 'integer', (c) => c.notNull())
      .addColumn('evaluated_at', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('findings', 'text', (c) => c.notNull())
      .addColumn('report', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('evaluations_pk', ['repository', 'manifest_digest', 'platform'])
      .execute();
    await db.schema.createIndex('evaluations_image').on('evaluations').columns(['manifest_digest', 'platform']).execute();
    await db.schema
      .createTable('evaluation_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('repository', 'text', (c) => c.notNull())
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('added', 'text', (c) => c.notNull())
      .addColumn('removed', 'text', (c) => c.notNull())
      .addColumn('changed', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('evaluation_events_image').on('evaluation_events').columns(['repository', 'manifest_digest', 'platform', 'at']).execute();
    await db.schema
      .createTable('image_match_keys')
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('ecosystem', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('image_match_keys_pk', ['manifest_digest', 'platform', 'ecosystem', 'name'])
      .execute();
    await db.schema.createIndex('image_match_keys_key').on('image_match_keys').columns(['ecosystem', 'name']).execute();
    await db.schema
      .createTable('vuln_changes')
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('ecosystem', 'text', (c) => c.notNull())
      .addColumn('package', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('vuln_changes_pk', ['revision', 'ecosystem', 'package'])
      .execute();
    // "Which repositories tag this pushed digest" (an analysis serves all of them).
    await db.schema.createIndex('tags_manifest_digest').on('tags').column('manifest_digest').execute();
    await db.schema
      .createTable('reevaluation_state')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('matcher_version', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('tags_manifest_digest').ifExists().execute();
    for (const t of ['reevaluation_state', 'vuln_changes', 'image_match_keys', 'evaluation_events', 'evaluations']) await db.schema.dropTable(t).ifExists().execute();
  },
};
