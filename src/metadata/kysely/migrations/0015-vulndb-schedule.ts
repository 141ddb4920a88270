/** State of the scheduled vulnerability-data updates, shared by every worker: one attempt at a time, backoff on failure. */
import type { Kysely, Migration } from 'kysely';

export const vulndbScheduleMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('vuln_update_state')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('next_attempt', 'text', (c) => c.notNull())
      .addColumn('last_attempt', 'text')
      .addColumn('last_success', 'text')
      .addColumn('last_error', 'text')
      .addColumn('failures', 'integer', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('vuln_update_state').ifExists().execute();
  },
};
