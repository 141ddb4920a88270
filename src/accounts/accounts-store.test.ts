/** The accounts store on SQLite and, when installed, on a real PostgreSQL server (same queries). */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { hasPostgres, startPostgres, type PostgresServer } from '../../test/helpers/postgres.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import { openPostgresDatabase } from '../metadata/postgres/postgres-database.js';
import { openSqliteDatabase } from '../metadata/sqlite/sqlite-metadata-store.js';
import { AccountsStore } from './accounts-store.js';
import { ensureFirstAdmin } from './first-admin.js';

let server: PostgresServer | undefined;
const withPostgres = hasPostgres();
beforeAll(async () => {
  if (withPostgres) server = await startPostgres();
}, 60_000);
afterAll(async () => server?.stop());

const backends: [string, () => Promise<Kysely<Database>>][] = [['SQLite', () => openSqliteDatabase(':memory:')]];
if (withPostgres) backends.push(['PostgreSQL', async () => openPostgresDatabase(await (server as PostgresServer).createDatabase())]);

describe.each(backends)('AccountsStore on %s', (_name, open) => {
  let db: Kysely<Database>;
  let store: AccountsStore;
  beforeEach(async () => {
    db = await open();
    store = new AccountsStore(db);
  });
  afterEach(async () => db.destroy());

  it('checks passwords, same answer for unknown user and wrong password', async () => {
    await store.createUser('alice', 'correct horse');
    expect((await store.checkPassword('alice', 'correct horse'))?.name).toBe('alice');
    expect(await store.checkPassword('alice', 'wrong password')).toBeUndefined();
    expect(await store.checkPassword('nobody', 'correct horse')).toBeUndefined();
    const row = await db.selectFrom('users').select('password_hash').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(row.password_hash).not.toContain('correct');
  });

  it('stores only a hash of token secrets; revoked and expired tokens stop working', async () => {
    await store.createUser('alice', 'correct horse');
    const { secret, token } = await store.createToken('alice', 'ci', 'read');
    expect(secret).toMatch(/^cnp_[A-Za-z0-9_-]{40,}$/);
    const stored = await db.selectFrom('access_tokens').selectAll().executeTakeFirstOrThrow();
    expect(stored.secret_hash).not.toContain(secret);
    const used = await store.useToken(secret);
    expect(used?.scope).toBe('read');
    expect(used?.lastUsedAt).not.toBeNull();
    expect(await store.useToken(`${secret}x`)).toBeUndefined();
    await store.revokeToken('alice', token.id);
    expect(await store.useToken(secret)).toBeUndefined();
    const expired = await store.createToken('alice', 'old', 'admin', new Date(Date.now() - 1000));
    expect(await store.useToken(expired.secret)).toBeUndefined();
  });

  it('creates organizations with an owners team and shares the namespace with users', async () => {
    await store.createUser('alice', 'correct horse');
    await store.createUser('bob', 'correct horse');
    await store.createOrganization('acme', 'alice');
    await expect(store.createUser('acme', 'correct horse')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(store.createOrganization('bob', 'alice')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await store.listMembers('acme', 'owners')).toEqual(['alice']);
    await store.createTeam('acme', 'devs', true);
    await store.addMember('acme', 'devs', 'bob');
    expect((await store.teamsOf('bob')).map((t) => `${t.org}/${t.name}:${t.canCreate}`)).toEqual(['acme/devs:true']);
    await store.setPermission('acme/app', 'team', 'acme/devs', 'write');
    await store.setPermission('acme/app', 'user', 'alice', 'admin');
    expect(await store.grantsOf('bob', ['acme/devs'])).toEqual([{ repository: 'acme/app', level: 'write' }]);
    await expect(store.removeMember('acme', 'owners', 'alice')).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('creates repositories private by default and records audit entries', async () => {
    expect((await store.ensureRepository('alice/app', 'alice')).visibility).toBe('private');
    expect((await store.updateRepository('alice/app', { visibility: 'public' })).visibility).toBe('public');
    await store.audit('alice', 'repository.update', 'alice/app', { visibility: 'public' });
    const [entry] = await store.auditLog();
    expect(entry).toMatchObject({ actor: 'alice', action: 'repository.update', details: { visibility: 'public' } });
  });

  it('creates the first admin once, from the configured password or a generated one', async () => {
    const lines: string[] = [];
    expect(await ensureFirstAdmin(store, undefined, (l) => lines.push(l))).toBe(true);
    expect(lines).toHaveLength(1);
    const password = /password: (\S+)$/.exec(lines[0] ?? '')?.[1] ?? '';
    expect((await store.checkPassword('admin', password))?.siteAdmin).toBe(true);
    expect(await ensureFirstAdmin(store, 'other-password', (l) => lines.push(l))).toBe(false);
    expect(lines).toHaveLength(1);
  });
});
