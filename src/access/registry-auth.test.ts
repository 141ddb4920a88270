/** The Docker token flow, catalog filtering, the mount rule, create-on-push and login throttling over the real app. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, TEST_ADMIN_AUTH, type TestApp } from '../app/_testkit/test-app.js';
import { digestOf } from '../core/digest.js';
import { parseScope } from './registry-auth.js';

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
const PASSWORD = 'registry-password';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ publicUrl: 'https://registry.example' });
  await t.ctx.accounts.createUser('alice', PASSWORD);
  await t.ctx.accounts.createUser('bob', PASSWORD);
});
afterEach(async () => t.close());

async function pushBlob(repo: string, data: string, authorization: string) {
  const buf = Buffer.from(data);
  return t.app.inject({
    method: 'POST',
    url: `/v2/${repo}/blobs/uploads/?digest=${digestOf(buf)}`,
    payload: buf,
    headers: { authorization, 'content-type': 'application/octet-stream' },
  });
}

describe('registry auth', () => {
  it('parses scopes with multi-component names', () => {
    expect(parseScope('repository:a/b/c:pull,push')).toEqual({ type: 'repository', name: 'a/b/c', actions: ['pull', 'push'] });
    expect(parseScope('registry:catalog:*')).toEqual({ type: 'registry', name: 'catalog', actions: ['*'] });
    expect(parseScope('nonsense')).toBeUndefined();
  });

  it('challenges anonymous callers with the Bearer realm and issues tokens for the granted subset', async () => {
    const base = await t.app.inject({ method: 'GET', url: '/v2/' });
    expect(base.statusCode).toBe(401);
    expect(base.headers['www-authenticate']).toBe('Bearer realm="https://registry.example/auth/token",service="crowsnest"');
    const push = await t.app.inject({ method: 'POST', url: '/v2/alice/app/blobs/uploads/' });
    expect(push.statusCode).toBe(401);
    expect(push.headers['www-authenticate']).toBe(
      'Bearer realm="https://registry.example/auth/token",service="crowsnest",scope="repository:alice/app:pull,push"',
    );
    expect(push.json()).toMatchObject({ errors: [{ code: 'UNAUTHORIZED' }] });

    const tokenRes = await t.app.inject({
      method: 'GET',
      url: '/auth/token?service=crowsnest&scope=repository:alice/app:pull,push&scope=repository:bob/app:pull,push&scope=registry:catalog:*',
      headers: { authorization: basic('alice', PASSWORD) },
    });
    expect(tokenRes.statusCode).toBe(200);
    const body = tokenRes.json<{ token: string; access_token: string; expires_in: number; issued_at: string }>();
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBe(900);
    const payload = JSON.parse(Buffer.from(body.token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub: string; access: unknown[] };
    expect(payload.sub).toBe('alice');
    expect(payload.access).toEqual([
      { type: 'repository', name: 'alice/app', actions: ['pull', 'push'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);

    const bearer = `Bearer ${body.token}`;
    expect((await pushBlob('alice/app', 'hello', bearer)).statusCode).toBe(201);
    // alice holds no right on bob/app: DENIED, and nothing is written.
    const other = await pushBlob('bob/app', 'hello', bearer);
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ errors: [{ code: 'DENIED' }] });
    expect(await t.ctx.metadata.repos.isBlobLinked('bob/app', digestOf('hello'))).toBe(false);
    // A token lacking a scope alice does hold: a fresh challenge, so the client asks for it.
    const pullOnly = await t.app.inject({ method: 'GET', url: '/auth/token?service=crowsnest&scope=repository:alice/app:pull', headers: { authorization: basic('alice', PASSWORD) } });
    const narrow = await pushBlob('alice/app', 'more', `Bearer ${pullOnly.json<{ token: string }>().token}`);
    expect(narrow.statusCode).toBe(401);
    expect(narrow.headers['www-authenticate']).toContain('scope="repository:alice/app:pull,push"');
    // A tampered token is refused.
    const tampered = `${body.token.slice(0, -2)}${body.token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await t.app.inject({ method: 'GET', url: '/v2/', headers: { authorization: `Bearer ${tampered}` } })).statusCode).toBe(401);
  });

  it('creates pushed repositories private; anonymous tokens pull public ones only', async () => {
    expect((await pushBlob('alice/app', 'layer', basic('alice', PASSWORD))).statusCode).toBe(201);
    expect(await t.ctx.accounts.getRepository('alice/app')).toMatchObject({ visibility: 'private', createdBy: 'alice' });
    const blobUrl = `/v2/alice/app/blobs/${digestOf('layer')}`;
    expect((await t.app.inject({ method: 'GET', url: blobUrl })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: blobUrl, headers: { authorization: basic('bob', PASSWORD) } })).statusCode).toBe(403);
    // bob may not create in alice's namespace: DENIED and nothing written.
    const denied = await pushBlob('alice/other', 'x', basic('bob', PASSWORD));
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ errors: [{ code: 'DENIED' }] });
    expect(await t.ctx.accounts.getRepository('alice/other')).toBeUndefined();

    await t.ctx.accounts.updateRepository('alice/app', { visibility: 'public' });
    const anon = await t.app.inject({ method: 'GET', url: '/auth/token?service=crowsnest&scope=repository:alice/app:pull,push' });
    expect(anon.statusCode).toBe(200);
    const token = anon.json<{ token: string }>().token;
    const pulled = await t.app.inject({ method: 'GET', url: blobUrl, headers: { authorization: `Bearer ${token}` } });
    expect(pulled.statusCode).toBe(200);
    expect(pulled.body).toBe('layer');
    expect((await t.app.inject({ method: 'GET', url: blobUrl })).statusCode).toBe(200);
  });

  it('lists only readable repositories in the catalog and mounts only readable blobs', async () => {
    await pushBlob('alice/secret', 'private layer', basic('alice', PASSWORD));
    await pushBlob('bob/app', 'bob layer', basic('bob', PASSWORD));
    const catalog = async (authorization?: string) =>
      (await t.app.inject({ method: 'GET', url: '/v2/_catalog', headers: authorization ? { authorization } : {} })).json<{ repositories: string[] }>().repositories;
    expect(await catalog(basic('bob', PASSWORD))).toEqual(['bob/app']);
    expect(await catalog(TEST_ADMIN_AUTH)).toEqual(['alice/secret', 'bob/app']);
    const anonymous = await t.app.inject({ method: 'GET', url: '/v2/_catalog' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toContain('scope="registry:catalog:*"');
    await t.ctx.accounts.updateRepository('bob/app', { visibility: 'public' });
    const anonToken = (await t.app.inject({ method: 'GET', url: '/auth/token?service=crowsnest&scope=registry:catalog:*' })).json<{ token: string }>().token;
    expect(await catalog(`Bearer ${anonToken}`)).toEqual(['bob/app']);

    const digest = digestOf('private layer');
    const stolen = await t.app.inject({ method: 'POST', url: `/v2/bob/app/blobs/uploads/?mount=${digest}&from=alice/secret`, headers: { authorization: basic('bob', PASSWORD) } });
    expect(stolen.statusCode).toBe(202);
    const guessed = await t.app.inject({ method: 'POST', url: `/v2/bob/app/blobs/uploads/?mount=${digest}`, headers: { authorization: basic('bob', PASSWORD) } });
    expect(guessed.statusCode).toBe(202);
    expect(await t.ctx.metadata.repos.isBlobLinked('bob/app', digest)).toBe(false);
    const own = await t.app.inject({ method: 'POST', url: `/v2/alice/copy/blobs/uploads/?mount=${digest}&from=alice/secret`, headers: { authorization: basic('alice', PASSWORD) } });
    expect(own.statusCode).toBe(201);
  });

  it('throttles failed logins with 429 in the OCI envelope and problem+json, same answer for unknown users', async () => {
    const unknown = await t.app.inject({ method: 'GET', url: '/v2/', headers: { authorization: basic('nobody', 'wrong-password') } });
    const wrong = await t.app.inject({ method: 'GET', url: '/v2/', headers: { authorization: basic('alice', 'wrong-password') } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
    for (let i = 0; i < 10; i++) await t.app.inject({ method: 'GET', url: '/v2/', headers: { authorization: basic('bob', 'wrong-password') } });
    const locked = await t.app.inject({ method: 'GET', url: '/v2/', headers: { authorization: basic('bob', PASSWORD) } });
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ errors: [{ code: 'TOOMANYREQUESTS' }] });
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/user', headers: { authorization: basic('bob', PASSWORD) } });
    expect(api.statusCode).toBe(429);
    expect(api.headers['content-type']).toContain('application/problem+json');
    // Other users are unaffected.
    expect((await t.app.inject({ method: 'GET', url: '/v2/', headers: { authorization: basic('alice', PASSWORD) } })).statusCode).toBe(200);
  });
});
