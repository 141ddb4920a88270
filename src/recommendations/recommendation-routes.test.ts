/**
 * The recommendations route on the real app (real analysis of pushed images, OSV advisories imported
 * from files): exact package upgrades under the deb and PEP 440 orders, the base image found by its
 * layers and by an annotation, the newer base tag with what switching removes, and access (a stranger
 * gets 404; a reader who may not read the base repository gets no base advice). Also the first-layer
 * index's backfill migration.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixScenario, writeFixAdvisories, type FixScenario } from '../../test/helpers/fix-fixture.js';
import { blobOf, type BuiltImage } from '../../test/helpers/image-builder.js';
import { createTestApp, TEST_ADMIN_AUTH, type TestApp } from '../app/_testkit/test-app.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { osvSource } from '../vulndb/sources/osv-source.js';
import { parseBaseName } from './base-images.js';

const admin = { authorization: TEST_ADMIN_AUTH };
const eve = { authorization: `Basic ${Buffer.from('eve:eve-password-123').toString('base64')}` };

interface Counts {
  critical: number;
  high: number;
  medium: number;
  low: number;
  unknown: number;
  total: number;
}
interface Recommendations {
  image: { digest: string; platform: string };
  summary: Omit<Counts, 'total'>;
  packages: { name: string; type: string; purl: string; installed: string; upgradeTo: string; removes: Counts; remaining: Counts; binaries?: string[]; advice: string }[];
  unfixable: Counts;
  baseImage?: {
    current: { repository: string; tag?: string; digest: string; via: string; layerCount: number };
    candidates: { repository: string; tag: string; digest: string; pushedAt: string; summary: Omit<Counts, 'total'>; removes: Counts }[];
  };
}

const counts = (c: Partial<Counts>): Counts => {
  const base = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0, ...c };
  return { ...base, total: base.critical + base.high + base.medium + base.low + base.unknown };
};

/** The app image again with other layer bytes and the base named only by annotations. */
function annotated(image: BuiltImage, baseName: string): BuiltImage {
  const manifest = JSON.parse(image.manifest.bytes.toString('utf8')) as Record<string, unknown>;
  manifest.annotations = { 'org.opencontainers.image.base.name': baseName };
  return { ...image, manifest: blobOf(JSON.stringify(manifest)) };
}

/** The same with the base named by a config label (`config.Labels`) and a digest instead of a tag. */
function labelled(image: BuiltImage, baseDigest: string): BuiltImage {
  const config = JSON.parse(image.config.bytes.toString('utf8')) as { config: Record<string, unknown> };
  config.config.Labels = { 'org.opencontainers.image.base.digest': baseDigest, 'org.opencontainers.image.title': 'labelled' };
  const configBlob = blobOf(JSON.stringify(config));
  const manifest = JSON.parse(image.manifest.bytes.toString('utf8')) as { config: { digest: string; size: number } };
  manifest.config = { ...manifest.config, digest: configBlob.digest, size: configBlob.size };
  return { ...image, config: configBlob, manifest: blobOf(JSON.stringify(manifest)) };
}

describe('tag recommendations through the API', () => {
  let t: TestApp;
  let runner: JobRunner;
  let s: FixScenario;
  let advisories: string;

  async function push(repo: string, tag: string, image: BuiltImage): Promise<void> {
    for (const b of [image.config, ...image.layers]) {
      const res = await t.app.inject({ method: 'POST', url: `/v2/${repo}/blobs/uploads/?digest=${b.digest}`, payload: b.bytes, headers: { ...admin, 'content-type': 'application/octet-stream' } });
      expect(res.statusCode).toBe(201);
    }
    const res = await t.app.inject({ method: 'PUT', url: `/v2/${repo}/manifests/${tag}`, payload: image.manifest.bytes, headers: { ...admin, 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    expect(res.statusCode).toBe(201);
    // Pushes a few ms apart: "pushed later" is decided on the stored push times.
    await new Promise((r) => setTimeout(r, 15));
  }

  const get = (url: string, headers: Record<string, string> = admin) => t.app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    t = await createTestApp();
    advisories = mkdtempSync(join(tmpdir(), 'fix-advisories-'));
    writeFixAdvisories(advisories);
    await t.ctx.vulndb.import('osv', osvSource.read(advisories, { issues: () => undefined }));
    s = await buildFixScenario();
    await push('ui/base', 'old', s.baseOld);
    await push('ui/base', 'new', s.baseNew);
    await push('ui/app', 'v1', s.app);
    // No layer in common with the base: only the annotation can say which base it was built on.
    await push('ui/annotated', 'v1', annotated(s.squashed, 'registry.example:5000/ui/base:old'));
    await push('ui/annotated', 'labelled', labelled(s.squashed, s.baseOld.manifest.digest));
    for (const repo of ['ui/base', 'ui/app', 'ui/annotated']) {
      expect((await t.app.inject({ method: 'PUT', url: `/api/v1/repositories/${repo}/settings`, payload: { analysis: 'basic' }, headers: admin })).statusCode).toBe(200);
    }
    expect((await t.app.inject({ method: 'PATCH', url: '/api/v1/repositories/ui/app', payload: { visibility: 'public' }, headers: admin })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/users', payload: { name: 'eve', password: 'eve-password-123' }, headers: admin })).statusCode).toBe(201);
    runner = t.ctx.analysis.startWorkers();
    for (let i = 0; i < 800; i++) {
      const statuses = [];
      for (const repo of ['ui/base', 'ui/app', 'ui/annotated']) {
        const rows = (await get(`/api/v1/repositories/${repo}/tags`)).json<{ analysis: { status: string } }[]>();
        statuses.push(...rows.map((r) => r.analysis.status));
      }
      if (statuses.length === 5 && statuses.every((x) => x === 'done')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
  }, 120_000);
  afterAll(async () => {
    await runner?.stop();
    await t?.close();
    if (advisories) rmSync(advisories, { recursive: true, force: true });
  });

  it('advises the smallest fixing upgrade per source package, by impact, with what stays unfixable', async () => {
    const res = await get('/api/v1/repositories/ui/app/tags/v1/recommendations');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<Recommendations>();
    expect(body.image).toMatchObject({ digest: s.app.manifest.digest, platform: 'linux/amd64' });
    expect(body.packages.map((p) => ({ name: p.name, type: p.type, installed: p.installed, upgradeTo: p.upgradeTo, binaries: p.binaries }))).toEqual([
      { name: 'openssl', type: 'deb', installed: '3.0.11-1~deb12u2', upgradeTo: '3.0.15-1~deb12u1', binaries: ['libssl3', 'openssl'] },
      // PEP 440: 1.0.1.dev1 is above 1.0.post1 (a string order says the opposite).
      { name: 'fixdemo', type: 'pypi', installed: '1.0', upgradeTo: '1.0.1.dev1', binaries: undefined },
      // The zlib record's "~deb12u1" fix sorts below the installed revision, so only one finding applies.
      { name: 'zlib', type: 'deb', installed: '1:1.2.13.dfsg-1', upgradeTo: '1:1.2.13.dfsg-1+deb12u1', binaries: ['zlib1g'] },
    ]);
    const [openssl, fixdemo, zlib] = body.packages;
    expect(openssl?.removes).toEqual(counts({ critical: 2, high: 2 }));
    expect(openssl?.remaining).toEqual(counts({ medium: 2 }));
    expect(openssl?.advice).toBe('upgrade openssl (libssl3, openssl) to 3.0.15-1~deb12u1');
    expect(openssl?.purl).toMatch(/^pkg:deb\/debian\/openssl@/);
    expect(fixdemo?.removes).toEqual(counts({ high: 1, low: 1 }));
    expect(zlib?.removes).toEqual(counts({ high: 1 }));
    expect(body.unfixable).toEqual(counts({ medium: 2 }));
    // Every finding of the report is either removed by an upgrade or unfixable.
    const report = (await get('/api/v1/repositories/ui/app/tags/v1/vulnerabilities')).json<{ summary: Omit<Counts, 'total'> }>();
    expect(body.summary).toEqual(report.summary);
    const total = Object.values(report.summary).reduce((a, b) => a + b, 0);
    expect(body.packages.reduce((n, p) => n + p.removes.total, 0) + body.unfixable.total).toBe(total);
  });

  it('finds the base by its layers and weighs the newer base tag by the findings it removes', async () => {
    const body = (await get('/api/v1/repositories/ui/app/tags/v1/recommendations')).json<Recommendations>();
    expect(body.baseImage?.current).toMatchObject({ repository: 'ui/base', tag: 'old', digest: s.baseOld.manifest.digest, via: 'layers', layerCount: 1 });
    expect(body.baseImage?.candidates).toHaveLength(1);
    const [candidate] = body.baseImage?.candidates ?? [];
    expect(candidate).toMatchObject({ repository: 'ui/base', tag: 'new', digest: s.baseNew.manifest.digest });
    // openssl's two fixed advisories on both binaries go; its unfixed one and zlib's stay.
    expect(candidate?.removes).toEqual(counts({ critical: 2, high: 2 }));
    const newReport = (await get('/api/v1/repositories/ui/base/tags/new/vulnerabilities')).json<{ summary: Omit<Counts, 'total'> }>();
    expect(candidate?.summary).toEqual(newReport.summary);
    expect(candidate?.summary).toEqual({ critical: 0, high: 1, medium: 2, low: 0, unknown: 0 });
    // The base itself has no base here, and the newest base has nothing newer to switch to.
    expect((await get('/api/v1/repositories/ui/base/tags/new/recommendations')).json<Recommendations>().baseImage).toBeUndefined();
  });

  it('takes the base named by the manifest annotation when it resolves', async () => {
    const body = (await get('/api/v1/repositories/ui/annotated/tags/v1/recommendations')).json<Recommendations>();
    expect(body.baseImage?.current).toMatchObject({ repository: 'ui/base', tag: 'old', digest: s.baseOld.manifest.digest, via: 'annotation' });
    // Base packages are the ones the named base contains (fixdemo is not), as no layer says so here.
    expect(body.baseImage?.candidates.map((c) => [c.tag, c.removes])).toEqual([['new', counts({ critical: 2, high: 2 })]]);
  });

  it('takes a base digest named by an image config label', async () => {
    const res = await get('/api/v1/repositories/ui/annotated/tags/labelled/recommendations');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<Recommendations>();
    expect(body.baseImage?.current).toMatchObject({ repository: 'ui/base', tag: 'old', digest: s.baseOld.manifest.digest, via: 'annotation' });
    expect(body.baseImage?.candidates.map((c) => c.tag)).toEqual(['new']);
  });

  it('answers 404 to a stranger of a private repository and hides a base the reader may not read', async () => {
    expect((await get('/api/v1/repositories/ui/annotated/tags/v1/recommendations', eve)).statusCode).toBe(404);
    expect((await get('/api/v1/repositories/ui/base/tags/old/recommendations', {})).statusCode).toBe(401);
    const anonymous = await get('/api/v1/repositories/ui/app/tags/v1/recommendations', {});
    expect(anonymous.statusCode).toBe(200);
    const body = anonymous.json<Recommendations>();
    expect(body.packages).toHaveLength(3);
    expect(body.baseImage).toBeUndefined();
    expect((await get('/api/v1/repositories/ui/app/tags/nope/recommendations')).statusCode).toBe(404);
  });

  it('is listed in the OpenAPI document', async () => {
    const doc = (await get('/api/v1/openapi.json')).json<{ paths: Record<string, { get?: { parameters: { name: string }[] } }> }>();
    const op = doc.paths['/repositories/{ns}/{name}/tags/{tag}/recommendations']?.get;
    expect(op?.parameters.map((p) => p.name).sort()).toEqual(['name', 'ns', 'platform', 'tag']);
  });
});

describe('parseBaseName', () => {
  it('drops a registry host and splits tag and digest', () => {
    expect(parseBaseName('registry.example:5000/ui/base:3.19')).toEqual({ repository: 'ui/base', tag: '3.19' });
    expect(parseBaseName('localhost/ui/base@sha256:abc')).toEqual({ repository: 'ui/base', digest: 'sha256:abc' });
    expect(parseBaseName('ui/base')).toEqual({ repository: 'ui/base' });
    expect(parseBaseName('library/alpine:3.20@sha256:def')).toEqual({ repository: 'library/alpine', tag: '3.20', digest: 'sha256:def' });
    expect(parseBaseName('')).toBeUndefined();
  });
});
