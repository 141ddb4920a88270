/**
 * The permission matrix (permission-matrix.yaml): every route × caller kind × visibility answers the
 * status the table says, over the real app with the real accounts policy.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTestApp, TEST_ADMIN_AUTH, type TestApp } from '../app/_testkit/test-app.js';
import { digestOf } from '../core/digest.js';
import { MediaType } from '../registry/manifest.js';

interface Route {
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  body?: Record<string, unknown>;
  private: Record<string, number>;
  public: Record<string, number>;
}
const table = parse(readFileSync(new URL('./permission-matrix.yaml', import.meta.url), 'utf8')) as { callers: string[]; routes: Route[] };

const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
const PASSWORD = 'matrix-password';

let t: TestApp;
const auth = new Map<string, string | undefined>();

async function pushImage(): Promise<void> {
  const layer = Buffer.from('layer bytes');
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  for (const blob of [layer, config]) {
    const res = await t.app.inject({ method: 'POST', url: `/v2/acme/app/blobs/uploads/?digest=${digestOf(blob)}`, payload: blob, headers: { authorization: TEST_ADMIN_AUTH, 'content-type': 'application/octet-stream' } });
    expect(res.statusCode).toBe(201);
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer), size: layer.length }],
  });
  const res = await t.app.inject({ method: 'PUT', url: '/v2/acme/app/manifests/v1', payload: manifest, headers: { authorization: TEST_ADMIN_AUTH, 'content-type': MediaType.ociManifest } });
  expect(res.statusCode).toBe(201);
}

beforeAll(async () => {
  t = await createTestApp();
  const a = t.ctx.accounts;
  for (const name of ['olivia', 'rita', 'walt', 'adam', 'tina', 'sam']) await a.createUser(name, PASSWORD);
  await a.createOrganization('acme', 'olivia');
  await a.createTeam('acme', 'devs');
  await a.addMember('acme', 'devs', 'tina');
  await pushImage();
  await a.setPermission('acme/app', 'user', 'rita', 'read');
  await a.setPermission('acme/app', 'user', 'walt', 'write');
  await a.setPermission('acme/app', 'user', 'adam', 'admin');
  await a.setPermission('acme/app', 'team', 'acme/devs', 'write');
  const readToken = await a.createToken('walt', 'read only', 'read');
  const expired = await a.createToken('walt', 'expired', 'admin', new Date(Date.now() - 60_000));
  const revoked = await a.createToken('walt', 'revoked', 'admin');
  await a.revokeToken('walt', revoked.token.id);
  auth.set('anonymous', undefined);
  auth.set('stranger', basic('sam', PASSWORD));
  auth.set('reader', basic('rita', PASSWORD));
  auth.set('writer', basic('walt', PASSWORD));
  auth.set('repo-admin', basic('adam', PASSWORD));
  auth.set('org-owner', basic('olivia', PASSWORD));
  auth.set('team-member', basic('tina', PASSWORD));
  auth.set('site-admin', TEST_ADMIN_AUTH);
  auth.set('token-read', basic('walt', readToken.secret));
  auth.set('token-expired', basic('walt', expired.secret));
  auth.set('token-revoked', basic('walt', revoked.secret));
}, 60_000);
afterAll(async () => t.close());

describe.each(['private', 'public'] as const)('permission matrix, %s repository', (visibility) => {
  beforeAll(async () => {
    await t.ctx.accounts.updateRepository('acme/app', { visibility });
  });
  it.each(table.routes.map((r) => [r.id, r] as const))('%s', async (_id, route) => {
    const got: Record<string, number> = {};
    for (const caller of table.callers) {
      const authorization = auth.get(caller);
      const res = await t.app.inject({
        method: route.method,
        url: route.url,
        headers: { ...(authorization ? { authorization } : {}), ...(route.body ? { 'content-type': 'application/json' } : {}) },
        ...(route.body ? { payload: JSON.stringify(route.body) } : {}),
      });
      got[caller] = res.statusCode;
      if (res.statusCode === 401 && route.url.startsWith('/v2/')) {
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="http:\/\/[^"]+\/auth\/token",service="crowsnest",scope="repository:acme\/app:/);
      }
    }
    expect(got).toEqual(route[visibility]);
  });
});
