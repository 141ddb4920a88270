/**
 * Accounts: users, personal access tokens, organizations and teams, repository visibility and
 * permissions, and the audit log. Portable column types only (text, integer) for SQLite and PostgreSQL.
 */
import type { Kysely, Migration } from 'kysely';

export const accountsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('users')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('site_admin', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('access_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_name', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema.createIndex('access_tokens_user').on('access_tokens').column('user_name').execute();
    await db.schema
      .createTable('organizations')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('teams')
      .addColumn('org', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('can_create', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('teams_pk', ['org', 'name'])
      .execute();
    await db.schema
      .createTable('team_members')
      .addColumn('org', 'text', (c) => c.notNull())
      .addColumn('team', 'text', (c) => c.notNull())
      .addColumn('user_name', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('team_members_pk', ['org', 'team', 'user_name'])
      .execute();
    await db.schema.createIndex('team_members_user').on('team_members').column('user_name').execute();
    await db.schema
      .createTable('repository_access')
      .addColumn('repository', 'text', (c) => c.primaryKey())
      .addColumn('namespace', 'text', (c) => c.notNull())
      .addColumn('visibility', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .execute();
    await db.schema.createIndex('repository_access_namespace').on('repository_access').column('namespace').execute();
    await db.schema.createIndex('repository_access_visibility').on('repository_access').column('visibility').execute();
    await db.schema
      .createTable('repository_permissions')
      .addColumn('repository', 'text', (c) => c.notNull())
      .addColumn('subject_kind', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('level', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('repository_permissions_pk', ['repository', 'subject_kind', 'subject'])
      .execute();
    await db.schema.createIndex('repository_permissions_subject').on('repository_permissions').columns(['subject_kind', 'subject']).execute();
    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('details', 'text')
      .execute();
    await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const t of ['audit_log', 'repository_permissions', 'repository_access', 'team_members', 'teams', 'organizations', 'access_tokens', 'users']) {
      await db.schema.dropTable(t).ifExists().execute();
    }
  },
};
