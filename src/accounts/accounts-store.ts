/**
 * Identities and who-may-what storage: users, personal access tokens, organizations (each with an
 * `owners` team) and teams, repository visibility and per-repository permissions, and the audit log.
 * One class over the shared Kysely database; every query runs on SQLite and PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ConflictError, NotFoundError, ValidationError } from '../core/errors.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import { dummyPasswordHash, hashPassword, newTokenSecret, sha256Hex, verifyPassword } from './secrets.js';

export const TOKEN_SCOPES = ['read', 'read-write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
export const PERMISSION_LEVELS = ['read', 'write', 'admin'] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];
export type Visibility = 'public' | 'private';
export const OWNERS_TEAM = 'owners';

const NAME_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export function isValidAccountName(name: string): boolean {
  return name.length <= 64 && NAME_RE.test(name);
}

function requireName(kind: string, name: string): void {
  if (!isValidAccountName(name)) throw new ValidationError(`invalid ${kind} name "${name}": lowercase letters, digits and . _ - separators`);
}

export interface User {
  readonly name: string;
  readonly siteAdmin: boolean;
  readonly createdAt: string;
}

export interface AccessToken {
  readonly id: string;
  readonly user: string;
  readonly name: string;
  readonly scope: TokenScope;
  readonly expiresAt: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export interface Team {
  readonly org: string;
  readonly name: string;
  readonly canCreate: boolean;
}

export interface RepositoryInfo {
  readonly name: string;
  readonly namespace: string;
  readonly visibility: Visibility;
  readonly description: string;
  readonly createdAt: string;
  readonly createdBy: string | null;
}

export interface RepositoryPermission {
  readonly kind: 'user' | 'team';
  readonly subject: string;
  readonly level: PermissionLevel;
}

export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly actor: string | null;
  readonly action: string;
  readonly target: string;
  readonly details: unknown;
}

const now = (): string => new Date().toISOString();

function isScope(value: string): value is TokenScope {
  return (TOKEN_SCOPES as readonly string[]).includes(value);
}

export function isPermissionLevel(value: string): value is PermissionLevel {
  return (PERMISSION_LEVELS as readonly string[]).includes(value);
}

export class AccountsStore {
  constructor(private readonly db: Kysely<Database>) {}

  // ---- users ----

  async createUser(name: string, password: string, siteAdmin = false): Promise<User> {
    requireName('user', name);
    if (password.length < 8) throw new ValidationError('password must have at least 8 characters');
    if (await this.namespaceExists(name)) throw new ConflictError(`namespace "${name}" is taken`);
    const createdAt = now();
    await this.db
      .insertInto('users')
      .values({ name, password_hash: await hashPassword(password), site_admin: siteAdmin ? 1 : 0, created_at: createdAt })
      .execute();
    return { name, siteAdmin, createdAt };
  }

  async getUser(name: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').select(['name', 'site_admin', 'created_at']).where('name', '=', name).executeTakeFirst();
    return row && { name: row.name, siteAdmin: row.site_admin === 1, createdAt: row.created_at };
  }

  async listUsers(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').select(['name', 'site_admin', 'created_at']).orderBy('name').execute();
    return rows.map((row) => ({ name: row.name, siteAdmin: row.site_admin === 1, createdAt: row.created_at }));
  }

  async countUsers(): Promise<number> {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async setPassword(name: string, password: string): Promise<void> {
    if (password.length < 8) throw new ValidationError('password must have at least 8 characters');
    const res = await this.db.updateTable('users').set({ password_hash: await hashPassword(password) }).where('name', '=', name).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new NotFoundError(`user ${name}`);
  }

  async setSiteAdmin(name: string, siteAdmin: boolean): Promise<void> {
    const res = await this.db.updateTable('users').set({ site_admin: siteAdmin ? 1 : 0 }).where('name', '=', name).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new NotFoundError(`user ${name}`);
  }

  async deleteUser(name: string): Promise<void> {
    await this.db.deleteFrom('access_tokens').where('user_name', '=', name).execute();
    await this.db.deleteFrom('team_members').where('user_name', '=', name).execute();
    await this.db.deleteFrom('repository_permissions').where('subject_kind', '=', 'user').where('subject', '=', name).execute();
    const res = await this.db.deleteFrom('users').where('name', '=', name).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw new NotFoundError(`user ${name}`);
  }

  /** The user when the password matches; unknown users cost the same scrypt run as wrong passwords. */
  async checkPassword(name: string, password: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
    const ok = await verifyPassword(password, row?.password_hash ?? (await dummyPasswordHash()));
    return row && ok ? { name: row.name, siteAdmin: row.site_admin === 1, createdAt: row.created_at } : undefined;
  }

  // ---- personal access tokens ----

  async createToken(user: string, name: string, scope: TokenScope, expiresAt?: Date): Promise<{ token: AccessToken; secret: string }> {
    if (!(await this.getUser(user))) throw new NotFoundError(`user ${user}`);
    if (name.trim() === '' || name.length > 100) throw new ValidationError('token name must have 1 to 100 characters');
    const secret = newTokenSecret();
    const token: AccessToken = {
      id: randomUUID(),
      user,
      name,
      scope,
      expiresAt: expiresAt ? expiresAt.toISOString() : null,
      createdAt: now(),
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.db
      .insertInto('access_tokens')
      .values({
        id: token.id,
        user_name: user,
        name,
        secret_hash: sha256Hex(secret),
        scope,
        expires_at: token.expiresAt,
        created_at: token.createdAt,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
    return { token, secret };
  }

  /** The token for `secret` when it is live (not revoked, not expired); records its use. */
  async useToken(secret: string): Promise<AccessToken | undefined> {
    // Looked up by the hash of the secret: the comparison never touches the secret itself.
    const row = await this.db.selectFrom('access_tokens').selectAll().where('secret_hash', '=', sha256Hex(secret)).executeTakeFirst();
    if (!row || row.revoked_at !== null || !isScope(row.scope)) return undefined;
    if (row.expires_at !== null && row.expires_at <= now()) return undefined;
    const usedAt = now();
    await this.db.updateTable('access_tokens').set({ last_used_at: usedAt }).where('id', '=', row.id).execute();
    return { ...tokenOf(row), lastUsedAt: usedAt };
  }

  async listTokens(user: string): Promise<AccessToken[]> {
    const rows = await this.db.selectFrom('access_tokens').selectAll().where('user_name', '=', user).orderBy('created_at').execute();
    return rows.map(tokenOf);
  }

  async revokeToken(user: string, id: string): Promise<void> {
    const res = await this.db
      .updateTable('access_tokens')
      .set({ revoked_at: now() })
      .where('id', '=', id)
      .where('user_name', '=', user)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw new NotFoundError(`token ${id}`);
  }

  // ---- organizations and teams ----

  async namespaceExists(name: string): Promise<boolean> {
    const user = await this.db.selectFrom('users').select('name').where('name', '=', name).executeTakeFirst();
    if (user) return true;
    return (await this.db.selectFrom('organizations').select('name').where('name', '=', name).executeTakeFirst()) !== undefined;
  }

  async isOrganization(name: string): Promise<boolean> {
    return (await this.db.selectFrom('organizations').select('name').where('name', '=', name).executeTakeFirst()) !== undefined;
  }

  /** Creates the organization with its `owners` team holding `owner`. */
  async createOrganization(name: string, owner: string): Promise<void> {
    requireName('organization', name);
    if (await this.namespaceExists(name)) throw new ConflictError(`namespace "${name}" is taken`);
    if (!(await this.getUser(owner))) throw new NotFoundError(`user ${owner}`);
    const at = now();
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('organizations').values({ name, created_at: at }).execute();
      await trx.insertInto('teams').values({ org: name, name: OWNERS_TEAM, can_create: 1, created_at: at }).execute();
      await trx.insertInto('team_members').values({ org: name, team: OWNERS_TEAM, user_name: owner }).execute();
    });
  }

  async listOrganizations(): Promise<string[]> {
    return (await this.db.selectFrom('organizations').select('name').orderBy('name').execute()).map((r) => r.name);
  }

  async deleteOrganization(name: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('team_members').where('org', '=', name).execute();
      await trx.deleteFrom('teams').where('org', '=', name).execute();
      await trx.deleteFrom('repository_permissions').where('subject_kind', '=', 'team').where('subject', 'like', `${name}/%`).execute();
      const res = await trx.deleteFrom('organizations').where('name', '=', name).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw new NotFoundError(`organization ${name}`);
    });
  }

  async createTeam(org: string, name: string, canCreate = false): Promise<Team> {
    requireName('team', name);
    if (!(await this.isOrganization(org))) throw new NotFoundError(`organization ${org}`);
    if (await this.getTeam(org, name)) throw new ConflictError(`team ${org}/${name} exists`);
    await this.db.insertInto('teams').values({ org, name, can_create: canCreate ? 1 : 0, created_at: now() }).execute();
    return { org, name, canCreate };
  }

  async getTeam(org: string, name: string): Promise<Team | undefined> {
    const row = await this.db.selectFrom('teams').selectAll().where('org', '=', org).where('name', '=', name).executeTakeFirst();
    return row && { org: row.org, name: row.name, canCreate: row.can_create === 1 };
  }

  async listTeams(org: string): Promise<Team[]> {
    const rows = await this.db.selectFrom('teams').selectAll().where('org', '=', org).orderBy('name').execute();
    return rows.map((row) => ({ org: row.org, name: row.name, canCreate: row.can_create === 1 }));
  }

  async deleteTeam(org: string, name: string): Promise<void> {
    if (name === OWNERS_TEAM) throw new ValidationError('the owners team cannot be deleted');
    await this.db.deleteFrom('team_members').where('org', '=', org).where('team', '=', name).execute();
    await this.db.deleteFrom('repository_permissions').where('subject_kind', '=', 'team').where('subject', '=', `${org}/${name}`).execute();
    const res = await this.db.deleteFrom('teams').where('org', '=', org).where('name', '=', name).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw new NotFoundError(`team ${org}/${name}`);
  }

  async addMember(org: string, team: string, user: string): Promise<void> {
    if (!(await this.getTeam(org, team))) throw new NotFoundError(`team ${org}/${team}`);
    if (!(await this.getUser(user))) throw new NotFoundError(`user ${user}`);
    const exists = await this.db
      .selectFrom('team_members')
      .select('user_name')
      .where('org', '=', org)
      .where('team', '=', team)
      .where('user_name', '=', user)
      .executeTakeFirst();
    if (!exists) await this.db.insertInto('team_members').values({ org, team, user_name: user }).execute();
  }

  async removeMember(org: string, team: string, user: string): Promise<void> {
    if (team === OWNERS_TEAM && (await this.listMembers(org, team)).length <= 1) {
      throw new ValidationError('an organization keeps at least one owner');
    }
    const res = await this.db.deleteFrom('team_members').where('org', '=', org).where('team', '=', team).where('user_name', '=', user).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw new NotFoundError(`member ${user} of ${org}/${team}`);
  }

  async listMembers(org: string, team: string): Promise<string[]> {
    const rows = await this.db.selectFrom('team_members').select('user_name').where('org', '=', org).where('team', '=', team).orderBy('user_name').execute();
    return rows.map((r) => r.user_name);
  }

  /** Every team `user` belongs to. */
  async teamsOf(user: string): Promise<Team[]> {
    const rows = await this.db
      .selectFrom('team_members')
      .innerJoin('teams', (j) => j.onRef('teams.org', '=', 'team_members.org').onRef('teams.name', '=', 'team_members.team'))
      .select(['teams.org', 'teams.name', 'teams.can_create'])
      .where('team_members.user_name', '=', user)
      .execute();
    return rows.map((row) => ({ org: row.org, name: row.name, canCreate: row.can_create === 1 }));
  }

  // ---- repositories ----

  async getRepository(name: string): Promise<RepositoryInfo | undefined> {
    const row = await this.db.selectFrom('repository_access').selectAll().where('repository', '=', name).executeTakeFirst();
    return row && repositoryOf(row);
  }

  /** Records a repository (private by default) the first time it is pushed to; a no-op afterwards. */
  async ensureRepository(name: string, createdBy: string | null, visibility: Visibility = 'private'): Promise<RepositoryInfo> {
    const existing = await this.getRepository(name);
    if (existing) return existing;
    const namespace = name.split('/')[0] ?? name;
    const row = { repository: name, namespace, visibility, description: '', created_at: now(), created_by: createdBy };
    await this.db.insertInto('repository_access').values(row).onConflict((oc) => oc.column('repository').doNothing()).execute();
    return (await this.getRepository(name)) ?? repositoryOf(row);
  }

  async updateRepository(name: string, patch: { visibility?: Visibility; description?: string }): Promise<RepositoryInfo> {
    await this.ensureRepository(name, null);
    const set: { visibility?: string; description?: string } = {};
    if (patch.visibility !== undefined) set.visibility = patch.visibility;
    if (patch.description !== undefined) set.description = patch.description;
    if (Object.keys(set).length > 0) await this.db.updateTable('repository_access').set(set).where('repository', '=', name).execute();
    const info = await this.getRepository(name);
    if (!info) throw new NotFoundError(`repository ${name}`);
    return info;
  }

  async listRepositories(): Promise<RepositoryInfo[]> {
    const rows = await this.db.selectFrom('repository_access').selectAll().orderBy('repository').execute();
    return rows.map(repositoryOf);
  }

  async publicRepositories(): Promise<Set<string>> {
    const rows = await this.db.selectFrom('repository_access').select('repository').where('visibility', '=', 'public').execute();
    return new Set(rows.map((r) => r.repository));
  }

  // ---- permissions ----

  async setPermission(repository: string, kind: 'user' | 'team', subject: string, level: PermissionLevel): Promise<void> {
    if (kind === 'user' && !(await this.getUser(subject))) throw new NotFoundError(`user ${subject}`);
    if (kind === 'team') {
      const [org = '', team = ''] = subject.split('/');
      if (!(await this.getTeam(org, team))) throw new NotFoundError(`team ${subject}`);
    }
    await this.db
      .insertInto('repository_permissions')
      .values({ repository, subject_kind: kind, subject, level })
      .onConflict((oc) => oc.columns(['repository', 'subject_kind', 'subject']).doUpdateSet({ level }))
      .execute();
  }

  async removePermission(repository: string, kind: 'user' | 'team', subject: string): Promise<void> {
    const res = await this.db
      .deleteFrom('repository_permissions')
      .where('repository', '=', repository)
      .where('subject_kind', '=', kind)
      .where('subject', '=', subject)
      .executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw new NotFoundError(`permission of ${kind} ${subject} on ${repository}`);
  }

  async listPermissions(repository: string): Promise<RepositoryPermission[]> {
    const rows = await this.db.selectFrom('repository_permissions').selectAll().where('repository', '=', repository).orderBy('subject').execute();
    return rows.flatMap((r) =>
      isPermissionLevel(r.level) && (r.subject_kind === 'user' || r.subject_kind === 'team') ? [{ kind: r.subject_kind, subject: r.subject, level: r.level }] : [],
    );
  }

  /** The repositories team `org/team` has an explicit permission on (served by the subject index). */
  async teamPermissions(org: string, team: string): Promise<{ repository: string; level: PermissionLevel }[]> {
    const rows = await this.db
      .selectFrom('repository_permissions')
      .select(['repository', 'level'])
      .where('subject_kind', '=', 'team')
      .where('subject', '=', `${org}/${team}`)
      .orderBy('repository')
      .execute();
    return rows.flatMap((r) => (isPermissionLevel(r.level) ? [{ repository: r.repository, level: r.level }] : []));
  }

  /** Every explicit grant to `user` or one of `teams` ("org/team"), by repository. */
  async grantsOf(user: string, teams: readonly string[]): Promise<{ repository: string; level: PermissionLevel }[]> {
    let q = this.db.selectFrom('repository_permissions').select(['repository', 'level']).where((eb) => {
      const ors = [eb.and([eb('subject_kind', '=', 'user'), eb('subject', '=', user)])];
      if (teams.length > 0) ors.push(eb.and([eb('subject_kind', '=', 'team'), eb('subject', 'in', [...teams])]));
      return eb.or(ors);
    });
    q = q.orderBy('repository');
    return (await q.execute()).flatMap((r) => (isPermissionLevel(r.level) ? [{ repository: r.repository, level: r.level }] : []));
  }

  // ---- audit log ----

  async audit(actor: string | null, action: string, target: string, details?: unknown): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({ id: randomUUID(), at: now(), actor, action, target, details: details === undefined ? null : JSON.stringify(details) })
      .execute();
  }

  async auditLog(limit = 100): Promise<AuditEntry[]> {
    const rows = await this.db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').limit(Math.min(Math.max(limit, 1), 1000)).execute();
    return rows.map((r) => ({ id: r.id, at: r.at, actor: r.actor, action: r.action, target: r.target, details: r.details === null ? null : (JSON.parse(r.details) as unknown) }));
  }
}

function tokenOf(row: Database['access_tokens']): AccessToken {
  return {
    id: row.id,
    user: row.user_name,
    name: row.name,
    scope: isScope(row.scope) ? row.scope : 'read',
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

function repositoryOf(row: Database['repository_access']): RepositoryInfo {
  return {
    name: row.repository,
    namespace: row.namespace,
    visibility: row.visibility === 'public' ? 'public' : 'private',
    description: row.description,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}
