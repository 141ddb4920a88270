/** Periodic tasks shared by every process of an installation: when each may next run, and who ran it last. */
import type { Kysely, Migration } from 'kysely';

export const schedulesMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('schedules')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('next_run_at', 'text', (c) => c.notNull())
      .addColumn('last_owner', 'text')
      .addColumn('last_run_at', 'text')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('schedules').ifExists().execute();
  },
};
