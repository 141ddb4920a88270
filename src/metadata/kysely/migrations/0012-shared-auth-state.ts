/**
 * Auth state every process of an installation must share: the registry-token signing key (so a
 * token issued by one server is accepted by the next) and web sessions (so a signed-in browser may
 * hit any server behind the load balancer). Session ids are stored only as hashes.
 */
import type { Kysely, Migration } from 'kysely';

export const sharedAuthStateMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('auth_keys')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('web_sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('web_sessions_username').on('web_sessions').column('username').execute();
    await db.schema.createIndex('web_sessions_expires_at').on('web_sessions').column('expires_at').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('web_sessions').ifExists().execute();
    await db.schema.dropTable('auth_keys').ifExists().execute();
  },
};
