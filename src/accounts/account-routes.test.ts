/** The accounts REST API over the real app: session cookie + CSRF, tokens, organizations and teams, audit log, OpenAPI. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, TEST_ADMIN_AUTH, TEST_ADMIN_PASSWORD, type TestApp } from '../app/_testkit/test-app.js';

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => t.close());

describe('accounts API', () => {
  it('logs in with a session cookie, requires CSRF proof for changes and logs out', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'admin', password: 'wrong-password' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['www-authenticate']).toBeUndefined();
    // API clients are challenged; the web UI's script requests are not (no browser login dialog over the page).
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/user' })).headers['www-authenticate']).toBe('Basic realm="crowsnest"');
    for (const headers of [{ 'sec-fetch-mode': 'cors' }, { 'x-requested-with': 'XMLHttpRequest' }]) {
      const fromPage = await t.app.inject({ method: 'GET', url: '/api/v1/user', headers });
      expect(fromPage.statusCode).toBe(401);
      expect(fromPage.headers['www-authenticate']).toBeUndefined();
    }
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { username: 'admin', password: TEST_ADMIN_PASSWORD } });
    expect(login.statusCode).toBe(201);
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(/^crowsnest_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict/);
    const cookie = setCookie.split(';')[0] ?? '';
    const { csrfToken, user } = login.json<{ csrfToken: string; user: { name: string; siteAdmin: boolean } }>();
    expect(user).toEqual({ name: 'admin', siteAdmin: true });
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } })).json()).toMatchObject({ user: { name: 'admin' } });

    const create = { method: 'POST' as const, url: '/api/v1/users', payload: { name: 'carol', password: 'carol-password' } };
    const forged = await t.app.inject({ ...create, headers: { cookie, origin: 'https://evil.example' } });
    expect(forged.statusCode).toBe(403);
    expect(await t.ctx.accounts.getUser('carol')).toBeUndefined();
    const ok = await t.app.inject({ ...create, headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(ok.statusCode).toBe(201);

    const logout = await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { cookie } });
    expect(logout.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } })).statusCode).toBe(401);
  });

  it('creates a token shown once, which authenticates as Bearer until revoked', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/v1/user/tokens', headers: { authorization: TEST_ADMIN_AUTH }, payload: { name: 'ci', scope: 'read' } });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json<{ id: string; token: string }>();
    const listed = await t.app.inject({ method: 'GET', url: '/api/v1/user/tokens', headers: { authorization: `Bearer ${token}` } });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(token);
    expect(listed.json<{ id: string; lastUsedAt: string | null }[]>()[0]).toMatchObject({ id, name: 'ci', scope: 'read' });
    // A read token makes no changes and mints no tokens.
    const minted = await t.app.inject({ method: 'POST', url: '/api/v1/user/tokens', headers: { authorization: `Bearer ${token}` }, payload: { name: 'x', scope: 'admin' } });
    expect(minted.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/user/tokens/${id}`, headers: { authorization: TEST_ADMIN_AUTH } })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/user', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
  });

  it('manages organizations, teams and members (owners only) and records the audit log', async () => {
    await t.ctx.accounts.createUser('olivia', 'olivia-password');
    await t.ctx.accounts.createUser('tom', 'tom-password-1');
    const olivia = basic('olivia', 'olivia-password');
    const tom = basic('tom', 'tom-password-1');
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/orgs', headers: { authorization: olivia }, payload: { name: 'acme' } })).statusCode).toBe(201);
    const team = await t.app.inject({ method: 'POST', url: '/api/v1/orgs/acme/teams', headers: { authorization: olivia }, payload: { name: 'devs', canCreate: true } });
    expect(team.statusCode).toBe(201);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/orgs/acme/teams', headers: { authorization: tom }, payload: { name: 'mine' } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'PUT', url: '/api/v1/orgs/acme/teams/devs/members/tom', headers: { authorization: olivia } })).statusCode).toBe(204);
    const members = await t.app.inject({ method: 'GET', url: '/api/v1/orgs/acme/teams/devs/members', headers: { authorization: tom } });
    expect(members.json()).toEqual([{ name: 'tom' }]);
    // tom's team may create repositories in acme by pushing; they start private.
    const push = await t.app.inject({ method: 'POST', url: '/v2/acme/tool/blobs/uploads/', headers: { authorization: tom } });
    expect(push.statusCode).toBe(202);
    const repo = await t.app.inject({ method: 'GET', url: '/api/v1/repositories/acme/tool', headers: { authorization: tom } });
    expect(repo.json()).toMatchObject({ name: 'acme/tool', visibility: 'private', permissions: { pull: true, push: true, admin: true } });
    const patched = await t.app.inject({ method: 'PATCH', url: '/api/v1/repositories/acme/tool', headers: { authorization: olivia }, payload: { visibility: 'public' } });
    expect(patched.json()).toMatchObject({ visibility: 'public' });
    const settings = await t.app.inject({ method: 'PUT', url: '/api/v1/repositories/acme/tool/settings', headers: { authorization: olivia }, payload: { analysis: 'basic' } });
    expect(settings.statusCode).toBe(200);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/repositories' });
    expect(list.json<{ name: string }[]>().map((r) => r.name)).toEqual(['acme/tool']);

    expect((await t.app.inject({ method: 'GET', url: '/api/v1/audit-log', headers: { authorization: olivia } })).statusCode).toBe(403);
    const audit = await t.app.inject({ method: 'GET', url: '/api/v1/audit-log', headers: { authorization: TEST_ADMIN_AUTH } });
    const actions = audit.json<{ actor: string | null; action: string; target: string }[]>().map((e) => `${e.actor ?? '-'} ${e.action} ${e.target}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'olivia org.create acme',
        'olivia team.create acme/devs',
        'olivia team.member.add acme/devs',
        'tom repository.create acme/tool',
        'olivia repository.update acme/tool',
        'olivia repository.settings.update acme/tool',
      ]),
    );
  });

  it("lists a team's repository grants to the organization's members only, and only what they may read", async () => {
    await t.ctx.accounts.createUser('olivia', 'olivia-password');
    await t.ctx.accounts.createUser('tom', 'tom-password-1');
    await t.ctx.accounts.createUser('eve', 'eve-password-1');
    const olivia = basic('olivia', 'olivia-password');
    await t.app.inject({ method: 'POST', url: '/api/v1/orgs', headers: { authorization: olivia }, payload: { name: 'acme' } });
    await t.app.inject({ method: 'POST', url: '/api/v1/orgs/acme/teams', headers: { authorization: olivia }, payload: { name: 'devs' } });
    await t.app.inject({ method: 'PUT', url: '/api/v1/orgs/acme/teams/devs/members/tom', headers: { authorization: olivia } });
    for (const repo of ['acme/api', 'acme/web']) {
      expect((await t.app.inject({ method: 'POST', url: `/v2/${repo}/blobs/uploads/`, headers: { authorization: olivia } })).statusCode).toBe(202);
    }
    const grant = await t.app.inject({ method: 'PUT', url: '/api/v1/repositories/acme/web/permissions/teams/acme/devs', headers: { authorization: olivia }, payload: { level: 'write' } });
    expect(grant.statusCode).toBe(204);
    const url = '/api/v1/orgs/acme/teams/devs/repositories';
    expect((await t.app.inject({ method: 'GET', url, headers: { authorization: olivia } })).json()).toEqual([{ repository: 'acme/web', level: 'write' }]);
    expect((await t.app.inject({ method: 'GET', url, headers: { authorization: basic('tom', 'tom-password-1') } })).json()).toEqual([{ repository: 'acme/web', level: 'write' }]);
    expect((await t.app.inject({ method: 'GET', url, headers: { authorization: basic('eve', 'eve-password-1') } })).statusCode).toBe(403);
    // A member of another team of acme sees the team, but not the private repository it may not read.
    await t.app.inject({ method: 'POST', url: '/api/v1/orgs/acme/teams', headers: { authorization: olivia }, payload: { name: 'ops' } });
    await t.app.inject({ method: 'PUT', url: '/api/v1/orgs/acme/teams/ops/members/eve', headers: { authorization: olivia } });
    expect((await t.app.inject({ method: 'GET', url, headers: { authorization: basic('eve', 'eve-password-1') } })).json()).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/orgs/acme/teams/nobody/repositories', headers: { authorization: olivia } })).statusCode).toBe(404);
  });

  it('lists the repositories a team has permissions on, to organization members only', async () => {
    await t.ctx.accounts.createUser('olivia', 'olivia-password');
    await t.ctx.accounts.createUser('tom', 'tom-password-1');
    await t.ctx.accounts.createUser('eve', 'eve-password-1');
    const olivia = basic('olivia', 'olivia-password');
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/orgs', headers: { authorization: olivia }, payload: { name: 'acme' } })).statusCode).toBe(201);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/orgs/acme/teams', headers: { authorization: olivia }, payload: { name: 'devs' } })).statusCode).toBe(201);
    expect((await t.app.inject({ method: 'PUT', url: '/api/v1/orgs/acme/teams/devs/members/tom', headers: { authorization: olivia } })).statusCode).toBe(204);
    await t.ctx.accounts.setPermission('acme/web', 'team', 'acme/devs', 'write');
    await t.ctx.accounts.setPermission('acme/api', 'team', 'acme/devs', 'admin');
    await t.ctx.accounts.setPermission('acme/api', 'team', 'acme/owners', 'read');
    const url = '/api/v1/orgs/acme/teams/devs/repositories';
    const expected = [
      { repository: 'acme/api', level: 'admin' },
      { repository: 'acme/web', level: 'write' },
    ];
    for (const who of [olivia, basic('tom', 'tom-password-1'), TEST_ADMIN_AUTH]) {
      const res = await t.app.inject({ method: 'GET', url, headers: { authorization: who } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(expected);
    }
    expect((await t.app.inject({ method: 'GET', url, headers: { authorization: basic('eve', 'eve-password-1') } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/orgs/acme/teams/nope/repositories', headers: { authorization: olivia } })).statusCode).toBe(404);
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    expect(doc.paths['/orgs/{org}/teams/{team}/repositories']).toBeDefined();
  });

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }>> }>();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/session', '/users', '/user/tokens', '/orgs/{org}/teams', '/repositories', '/repositories/{ns}/{name}', '/repositories/{ns}/{name}/settings']) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(Object.keys(doc.paths['/session']?.post?.requestBody?.content['application/json']?.schema.properties ?? {})).toEqual(['username', 'password']);
  });
});
