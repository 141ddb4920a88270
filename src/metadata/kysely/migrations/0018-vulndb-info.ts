/**
 * Per-vulnerability match data decided at import: for each canonical id of the alias map, its other
 * ids, first summary and merged severity, so matching reads one row per vulnerability instead of
 * joining every alias to its advisories. Rebuilt with the alias map; empty until the next import.
 */
import type { Kysely, Migration } from 'kysely';

export const vulndbInfoMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('vuln_info')
      .addColumn('canonical_id', 'text', (c) => c.primaryKey())
      .addColumn('aliases', 'text', (c) => c.notNull())
      .addColumn('summary', 'text')
      .addColumn('severity', 'text')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('vuln_info').ifExists().execute();
  },
};
