/** The web UI plugin: static assets with the right caching, SPA fallback only for page paths, ui-config. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPlugin } from '../api/api-plugin.js';
import { isReservedPath, registerWebUi, uiConfigFromEnv } from './web-ui.js';

const INDEX = '<!doctype html><title>ui</title><div id="root"></div>';

async function serverWith(root: string, reportProblemUrl?: string): Promise<FastifyInstance> {
  const app = Fastify();
  app.get('/v2/', async () => ({}));
  await app.register(apiPlugin, { prefix: '/api/v1', routes: [] });
  await registerWebUi(app, { root, uiConfig: reportProblemUrl ? { reportProblemUrl } : {} });
  await app.ready();
  return app;
}

describe('web UI plugin', () => {
  let root: string;
  let app: FastifyInstance;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'web-ui-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), INDEX);
    writeFileSync(join(root, 'assets', 'index-Ab12Cd.js'), 'console.log(1)');
    writeFileSync(join(root, 'favicon.svg'), '<svg/>');
    app = await serverWith(root, 'https://example.org/issues');
  });
  afterAll(async () => {
    await app?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves index.html at / without long-term caching', async () => {
    const res = await app.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(INDEX);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('caches hashed assets forever and other files not', async () => {
    const js = await app.inject('/assets/index-Ab12Cd.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await app.inject('/favicon.svg');
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('falls back to index.html for client-side routes', async () => {
    for (const path of ['/repositories', '/repositories/ns/name/tags/v1?platform=linux/amd64', '/vulnerabilities/CVE-2024-1', '/nope']) {
      const res = await app.inject(path);
      expect(res.statusCode, path).toBe(200);
      expect(res.body, path).toBe(INDEX);
      expect(res.headers['content-security-policy'], path).toContain("frame-ancestors 'none'");
    }
  });

  it('never answers the SPA page under the API, registry, auth and metrics prefixes, nor for writes', async () => {
    const api = await app.inject('/api/v1/nope');
    expect(api.statusCode).toBe(404);
    expect(api.headers['content-type']).toMatch(/application\/problem\+json/);
    for (const path of ['/v2/x/y/unknown-endpoint', '/auth/nope', '/metrics/x', '/healthz/x']) {
      const res = await app.inject(path);
      expect(res.statusCode, path).toBe(404);
      expect(res.body, path).not.toContain('<div id="root">');
    }
    const post = await app.inject({ method: 'POST', url: '/repositories' });
    expect(post.statusCode).toBe(404);
    expect(post.body).not.toContain('<div id="root">');
  });

  it('does not serve files outside the root', async () => {
    const res = await app.inject('/assets/../../../etc/passwd');
    expect(res.body).not.toMatch(/root:/);
    const encoded = await app.inject('/assets/..%2f..%2f..%2fetc%2fpasswd');
    expect(encoded.body).not.toMatch(/root:/);
  });

  it('answers the UI settings', async () => {
    const res = await app.inject('/api/v1/ui-config');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ reportProblemUrl: 'https://example.org/issues' });
  });

  it('without a build, serves the API and plain 404s', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'web-ui-empty-'));
    const bare = await serverWith(empty);
    try {
      const res = await bare.inject('/repositories');
      expect(res.statusCode).toBe(404);
      expect((await bare.inject('/api/v1/ui-config')).json()).toEqual({});
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('uiConfigFromEnv / isReservedPath', () => {
  it('accepts only http(s) and mailto report URLs', () => {
    expect(uiConfigFromEnv({ CROWSNEST_REPORT_PROBLEM_URL: 'https://x.example/new' })).toEqual({ reportProblemUrl: 'https://x.example/new' });
    expect(uiConfigFromEnv({ CROWSNEST_REPORT_PROBLEM_URL: 'mailto:ops@example.org' })).toEqual({ reportProblemUrl: 'mailto:ops@example.org' });
    expect(uiConfigFromEnv({ CROWSNEST_REPORT_PROBLEM_URL: 'javascript:alert(1)' })).toEqual({});
    expect(uiConfigFromEnv({})).toEqual({});
  });

  it('matches whole path segments only', () => {
    expect(isReservedPath('/v2')).toBe(true);
    expect(isReservedPath('/v2/_catalog?n=1')).toBe(true);
    expect(isReservedPath('/api/v1/x')).toBe(true);
    expect(isReservedPath('/v2ray')).toBe(false);
    expect(isReservedPath('/repositories/api')).toBe(false);
  });
});
