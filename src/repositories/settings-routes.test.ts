import { afterEach, describe, expect, it } from 'vitest';
import { openAccessPolicy, type AccessPolicy, type RepositoryAction } from '../access/access-policy.js';
import { createTestApp, type TestApp } from '../app/_testkit/test-app.js';

/** A policy where user "alice" (from the x-test-user header) holds exactly `rights`. */
function policyGranting(rights: readonly RepositoryAction[]): AccessPolicy {
  return {
    authenticate: (request) => {
      const user = request.headers['x-test-user'];
      return Promise.resolve(typeof user === 'string' ? { kind: 'user', name: user, siteAdmin: false } : { kind: 'anonymous' });
    },
    grantedActions: (principal, _repo, actions) =>
      Promise.resolve(principal.kind === 'user' ? actions.filter((a) => rights.includes(a)) : []),
  };
}

describe('repository settings API', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('defaults to none, stores a change and notifies listeners once', async () => {
    t = await createTestApp({}, { access: openAccessPolicy });
    const changes: string[] = [];
    t.ctx.settings.onAnalysisChanged((c) => {
      changes.push(`${c.repository}:${c.from}->${c.to}`);
    });
    const before = await t.app.inject({ method: 'GET', url: '/api/v1/repositories/acme/web/settings' });
    expect(before.statusCode).toBe(200);
    expect(before.json()).toEqual({ analysis: 'none' });
    for (let i = 0; i < 2; i++) {
      const put = await t.app.inject({ method: 'PUT', url: '/api/v1/repositories/acme/web/settings', payload: { analysis: 'advanced' } });
      expect(put.statusCode).toBe(200);
    }
    const after = await t.app.inject({ method: 'GET', url: '/api/v1/repositories/acme/web/settings' });
    expect(after.json()).toEqual({ analysis: 'advanced' });
    expect(changes).toEqual(['acme/web:none->advanced']);
    expect(await t.ctx.settings.repositoriesWithAnalysis(['advanced'])).toEqual(['acme/web']);
  });

  it('rejects an unknown level with problem+json 400', async () => {
    t = await createTestApp();
    const res = await t.app.inject({ method: 'PUT', url: '/api/v1/repositories/acme/web/settings', payload: { analysis: 'max' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect((await t.ctx.settings.get('acme/web')).analysis).toBe('none');
  });

  it('gives a writer 403 and leaves the setting unchanged; anonymous 401; no read access 404', async () => {
    t = await createTestApp({}, { access: policyGranting(['pull', 'push']) });
    const writer = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/repositories/acme/web/settings',
      headers: { 'x-test-user': 'alice' },
      payload: { analysis: 'basic' },
    });
    expect(writer.statusCode).toBe(403);
    expect(writer.json()).toMatchObject({ code: 'DENIED', status: 403 });
    expect((await t.ctx.settings.get('acme/web')).analysis).toBe('none');
    const anonymous = await t.app.inject({ method: 'PUT', url: '/api/v1/repositories/acme/web/settings', payload: { analysis: 'basic' } });
    expect(anonymous.statusCode).toBe(401);
    await t.close();
    t = await createTestApp({}, { access: policyGranting([]) });
    const stranger = await t.app.inject({ method: 'GET', url: '/api/v1/repositories/acme/web/settings', headers: { 'x-test-user': 'bob' } });
    expect(stranger.statusCode).toBe(404);
  });

  it('answers unknown API routes with problem+json 404', async () => {
    t = await createTestApp();
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ status: 404 });
  });
});
