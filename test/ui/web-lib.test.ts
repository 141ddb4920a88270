/**
 * The web UI's pure logic, run under Node: tag sorting and polling, finding filters, layer/history
 * pairing, the sign-in redirect guard, and the API client's error policy (fetch stubbed).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, apiJson, apiPath, repoPath, setUnauthorizedListener, splitRepository } from '../../web/src/api/client.js';
import type { PackageVulnerability, Severity, TagInfo, VulnerablePackage } from '../../web/src/api/types.js';
import { filterPackages, sortFindings } from '../../web/src/lib/findings.js';
import { displayInstruction, layersOf } from '../../web/src/lib/layers.js';
import { safeNext } from '../../web/src/lib/safe-next.js';
import { anyAnalysisInProgress, sortTags } from '../../web/src/lib/tags.js';

const summary = (critical: number, high = 0, medium = 0, low = 0, unknown = 0) => ({ critical, high, medium, low, unknown });
const tag = (name: string, extra: Partial<TagInfo> = {}): TagInfo => ({ name, digest: `sha256:${name}`, ...extra });

describe('sortTags', () => {
  it('sorts names numerically and breaks ties by name', () => {
    const tags = [tag('1.10'), tag('1.9'), tag('1.2')];
    expect(sortTags(tags, 'name', false).map((t) => t.name)).toEqual(['1.2', '1.9', '1.10']);
    expect(sortTags(tags, 'pushedAt', true).map((t) => t.name)).toEqual(['1.2', '1.9', '1.10']);
  });

  it('puts one critical above any number of highs', () => {
    const tags = [
      tag('many-high', { analysis: { status: 'done', summary: summary(0, 900) } }),
      tag('one-critical', { analysis: { status: 'done', summary: summary(1) } }),
      tag('unanalyzed'),
    ];
    expect(sortTags(tags, 'vulnerabilities', true).map((t) => t.name)).toEqual(['one-critical', 'many-high', 'unanalyzed']);
  });

  it('polls only while an analysis is queued or running', () => {
    expect(anyAnalysisInProgress([tag('a', { analysis: { status: 'done' } })])).toBe(false);
    expect(anyAnalysisInProgress([tag('a'), tag('b', { analysis: { status: 'running' } })])).toBe(true);
    expect(anyAnalysisInProgress([tag('a', { analysis: { status: 'queued' } })])).toBe(true);
  });
});

describe('filterPackages', () => {
  const v = (id: string, severity: Severity, fixed: string[] = [], score?: number): PackageVulnerability => ({
    id,
    severity,
    fixedVersions: fixed,
    cvss: score === undefined ? null : { score, vector: null },
  });
  const pkg = (name: string, type: string, vulnerabilities: PackageVulnerability[]): VulnerablePackage => ({ name, version: '1', type, vulnerabilities });
  const packages = [
    pkg('zlib', 'deb', [v('CVE-1', 'low'), v('CVE-2', 'medium', ['1.2'])]),
    pkg('openssl', 'deb', [v('CVE-3', 'high', [], 7.5), v('CVE-4', 'critical', ['3.0.1'], 9.8)]),
    pkg('lodash', 'npm', [v('GHSA-1', 'high', ['4.17.21'], 8.1)]),
  ];
  const all = new Set<Severity>(['critical', 'high', 'medium', 'low', 'unknown']);

  it('orders packages by their worst finding and findings by severity', () => {
    const out = filterPackages(packages, { severities: all, fixableOnly: false, type: '' });
    expect(out.map((p) => p.name)).toEqual(['openssl', 'lodash', 'zlib']);
    expect(out[0]?.vulnerabilities.map((x) => x.id)).toEqual(['CVE-4', 'CVE-3']);
  });

  it('filters by severity, fixability and type, dropping emptied packages', () => {
    expect(filterPackages(packages, { severities: new Set(['low']), fixableOnly: false, type: '' }).map((p) => p.name)).toEqual(['zlib']);
    const fixable = filterPackages(packages, { severities: all, fixableOnly: true, type: 'deb' });
    expect(fixable.map((p) => [p.name, p.vulnerabilities.map((x) => x.id)])).toEqual([
      ['openssl', ['CVE-4']],
      ['zlib', ['CVE-2']],
    ]);
  });

  it('breaks severity ties by CVSS score', () => {
    expect(sortFindings([v('A', 'high', [], 5), v('B', 'high', [], 9), v('C', 'critical')]).map((x) => x.id)).toEqual(['C', 'B', 'A']);
  });
});

describe('layersOf', () => {
  it('skips empty_layer history entries when pairing steps with layers', () => {
    const rows = layersOf(
      [
        { digest: 'sha256:a', size: 10 },
        { digest: 'sha256:b', size: 20 },
      ],
      {
        history: [
          { created_by: '/bin/sh -c #(nop) ADD file:abc in /' },
          { created_by: '/bin/sh -c #(nop)  ENV A=1', empty_layer: true },
          { created_by: 'RUN apt-get install -y curl' },
        ],
      },
    );
    expect(rows.map((r) => [r.index, r.digest, r.createdBy])).toEqual([
      [0, 'sha256:a', '/bin/sh -c #(nop) ADD file:abc in /'],
      [1, 'sha256:b', 'RUN apt-get install -y curl'],
    ]);
    expect(displayInstruction(rows[0]?.createdBy)).toBe('ADD file:abc in /');
    expect(layersOf([{ digest: 'sha256:a', size: 1 }], undefined)[0]?.createdBy).toBeUndefined();
  });
});

describe('safeNext', () => {
  it('keeps local paths and refuses other origins', () => {
    expect(safeNext('/repositories/a/b/tags')).toBe('/repositories/a/b/tags');
    for (const bad of [null, '', 'https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)']) {
      expect(safeNext(bad)).toBe('/repositories');
    }
  });
});

describe('API client', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    setUnauthorizedListener(undefined);
  });

  it('encodes path segments', () => {
    expect(apiPath('vulnerabilities', 'GHSA-x/y')).toBe('/api/v1/vulnerabilities/GHSA-x%2Fy');
    expect(repoPath('ns/name', 'tags', 'v1+build')).toBe('/api/v1/repositories/ns/name/tags/v1%2Bbuild');
    expect(splitRepository('ns/a/b')).toEqual(['ns', 'a/b']);
  });

  it('turns problem+json and registry errors into ApiError', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ title: 'DENIED', status: 403, detail: 'no', code: 'DENIED' }), { status: 403 }));
    const err = await apiJson('/api/v1/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(403);
    expect((err as ApiError).problem.code).toBe('DENIED');
    expect((err as ApiError).message).toBe('no');

    vi.stubGlobal('fetch', async () => new Response(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known' }] }), { status: 404 }));
    const reg = (await apiJson('/v2/a/b/tags/list').catch((e: unknown) => e)) as ApiError;
    expect([reg.status, reg.problem.code, reg.message]).toEqual([404, 'NAME_UNKNOWN', 'repository name not known']);
  });

  it('sends JSON bodies and reports 401 to the listener unless asked not to', async () => {
    const seen: { method?: string; body?: unknown; type?: string }[] = [];
    vi.stubGlobal('fetch', async (_url: string, init: RequestInit) => {
      seen.push({ method: init.method, body: init.body, type: (init.headers as Record<string, string>)['content-type'] });
      return new Response('{}', { status: 401 });
    });
    const listener = vi.fn();
    setUnauthorizedListener(listener);
    await expect(apiJson('/api/v1/x', { method: 'PUT', body: { analysis: 'basic' } })).rejects.toBeInstanceOf(ApiError);
    expect(listener).toHaveBeenCalledTimes(1);
    await expect(apiJson('/api/v1/session', { allowUnauthorized: true })).rejects.toBeInstanceOf(ApiError);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(seen[0]).toEqual({ method: 'PUT', body: '{"analysis":"basic"}', type: 'application/json' });
  });
});
