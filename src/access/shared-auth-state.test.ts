/**
 * Two app instances on one database file behave as one installation: a web session or a registry
 * token issued by one is accepted by the other (servers behind a load balancer), sessions are stored
 * hashed, expire, and are capped per user; the signing key is kept in each data directory and shared
 * through the database, unless the operator configures a key file.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hasPostgres, startPostgres, type PostgresServer } from '../../test/helpers/postgres.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import { openPostgresDatabase } from '../metadata/postgres/postgres-database.js';
import { createTestApp, TEST_ADMIN_AUTH, TEST_ADMIN_PASSWORD, type TestApp } from '../app/_testkit/test-app.js';
import { openSqliteDatabase } from '../metadata/sqlite/sqlite-metadata-store.js';
import { SessionStore } from './sessions.js';
import { loadSigningKey } from './signing-key.js';

let server: PostgresServer | undefined;
const withPostgres = hasPostgres();
beforeAll(async () => {
  if (withPostgres) server = await startPostgres();
}, 60_000);
afterAll(async () => server?.stop());

let dir: string;
const apps: TestApp[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shared-auth-'));
});
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
  rmSync(dir, { recursive: true, force: true });
});

const backends: [string, () => Promise<Kysely<Database>>][] = [['SQLite', () => openSqliteDatabase(join(dir, `${Math.random()}.db`))]];
if (withPostgres) backends.push(['PostgreSQL', async () => openPostgresDatabase(await (server as PostgresServer).createDatabase())]);

async function app(): Promise<TestApp> {
  const t = await createTestApp({}, { sqliteFile: join(dir, 'crowsnest.db') });
  apps.push(t);
  return t;
}

describe('auth state shared through the database', () => {
  it('accepts a session cookie and a registry token issued by another server', async () => {
    const a = await app();
    const b = await app();
    const login = await a.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'admin', password: TEST_ADMIN_PASSWORD } });
    expect(login.statusCode).toBe(201);
    const cookie = String(login.headers['set-cookie']).split(';')[0] ?? '';
    const { csrfToken } = login.json<{ csrfToken: string }>();
    const onB = await b.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } });
    expect(onB.statusCode).toBe(200);
    expect(onB.json<{ csrfToken: string }>().csrfToken).toBe(csrfToken);
    // Changes on B need the CSRF token issued by A.
    const settings = { method: 'PUT' as const, url: '/api/v1/repositories/admin/app/settings', payload: { analysis: 'basic' } };
    expect((await b.app.inject({ ...settings, headers: { cookie } })).statusCode).toBe(403);
    const token = await a.app.inject({ method: 'GET', url: '/auth/token?service=crowsnest&scope=repository:admin/app:pull,push', headers: { authorization: TEST_ADMIN_AUTH } });
    expect(token.statusCode).toBe(200);
    const bearer = `Bearer ${token.json<{ token: string }>().token}`;
    expect((await b.app.inject({ method: 'GET', url: '/v2/', headers: { authorization: bearer } })).statusCode).toBe(200);
    // Signing out on B ends the session on A.
    expect((await b.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(204);
    expect((await a.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(401);
  });
});

describe.each(backends)('sessions and signing key on %s', (_name, open) => {
  it('stores only hashes of session ids, expires sessions and caps them per user', async () => {
    const db = await open();
    try {
      let now = 1_000_000;
      const store = new SessionStore(db, 60_000, 3, () => now);
      const first = await store.create('alice');
      const stored = await db.selectFrom('web_sessions').selectAll().execute();
      expect(stored).toHaveLength(1);
      expect(JSON.stringify(stored)).not.toContain(first.id);
      expect((await store.get(first.id))?.user).toBe('alice');
      expect(await store.get(`${first.id}x`)).toBeUndefined();
      now += 60_000;
      expect(await store.get(first.id)).toBeUndefined();
      const later = [];
      for (let i = 0; i < 5; i++) {
        now += 1;
        later.push(await store.create('alice'));
      }
      await store.create('bob');
      expect(await db.selectFrom('web_sessions').select('username').where('username', '=', 'alice').execute()).toHaveLength(3);
      expect(await store.get(later[0]?.id ?? '')).toBeUndefined();
      expect((await store.get(later[4]?.id ?? ''))?.user).toBe('alice');
      await store.deleteUser('alice');
      expect(await store.get(later[4]?.id ?? '')).toBeUndefined();
    } finally {
      await db.destroy();
    }
  });

  it('keeps the key in the data directory, shares it through the database, or uses a configured file', async () => {
    const firstDataKey = join(dir, 'a', 'auth-token.key');
    const secondDataKey = join(dir, 'b', 'auth-token.key');
    const old = randomBytes(32);
    mkdirSync(join(dir, 'a'));
    writeFileSync(firstDataKey, `${old.toString('base64url')}\n`);
    const db = await open();
    try {
      // The first process offers the key its data directory already had (tokens it signed stay valid).
      const first = await loadSigningKey(db, { keyFile: undefined, dataKeyFile: firstDataKey });
      expect(first.equals(old)).toBe(true);
      // Another process with its own data directory adopts it and keeps a copy there.
      const second = await loadSigningKey(db, { keyFile: undefined, dataKeyFile: secondDataKey });
      expect(second.equals(old)).toBe(true);
      expect(Buffer.from(readFileSync(secondDataKey, 'utf8').trim(), 'base64url').equals(old)).toBe(true);
      expect(statSync(secondDataKey).mode & 0o777).toBe(0o600);
      // An operator-managed file is used as is.
      const file = join(dir, 'explicit.key');
      const fromFile = await loadSigningKey(db, { keyFile: file, dataKeyFile: secondDataKey });
      expect(fromFile.equals(old)).toBe(false);
      expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url').equals(fromFile)).toBe(true);
    } finally {
      await db.destroy();
    }
  });

  it('creates a fresh random key when there is nothing to adopt', async () => {
    const db = await open();
    try {
      const [x, y] = await Promise.all([
        loadSigningKey(db, { keyFile: undefined, dataKeyFile: join(dir, 'fresh', 'auth-token.key') }),
        loadSigningKey(db, { keyFile: undefined, dataKeyFile: join(dir, 'fresh', 'auth-token.key') }),
      ]);
      expect(x.length).toBe(32);
      expect(x.equals(y)).toBe(true);
    } finally {
      await db.destroy();
    }
  });
});
