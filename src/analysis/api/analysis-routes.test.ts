/** /api/v1 tags and SBOM routes through inject(): push → enable analysis → worker → tags show done → SBOM with layers. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { createTestApp, TEST_ADMIN_AUTH, type TestApp } from '../../app/_testkit/test-app.js';
import type { JobRunner } from '../../jobs/job-runner.js';
import type { ImageSbom } from '../../model/sbom.js';
import { buildImage, buildLayer, type BuiltBlob, type BuiltImage } from '../../../test/helpers/image-builder.js';

let t: TestApp;
let runner: JobRunner | undefined;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
  await t.close();
});

/** Every request here is the site administrator's (auth is on; permissions have their own tests). */
function adminInject(opts: InjectOptions) {
  return t.app.inject({ ...opts, headers: { authorization: TEST_ADMIN_AUTH, ...opts.headers } });
}

async function pushBlob(repo: string, b: BuiltBlob): Promise<void> {
  const res = await adminInject({
    method: 'POST',
    url: `/v2/${repo}/blobs/uploads/?digest=${b.digest}`,
    payload: b.bytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(res.statusCode).toBe(201);
}

async function push(repo: string, tag: string, image: BuiltImage): Promise<void> {
  for (const b of [image.config, ...image.layers]) await pushBlob(repo, b);
  const res = await adminInject({
    method: 'PUT',
    url: `/v2/${repo}/manifests/${tag}`,
    payload: image.manifest.bytes,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  expect(res.statusCode).toBe(201);
}

async function npmImage(): Promise<BuiltImage> {
  return buildImage({
    layers: [
      await buildLayer({ 'etc/os-release': 'ID=test\n' }),
      await buildLayer({ 'app/node_modules/left-pad/package.json': JSON.stringify({ name: 'left-pad', version: '1.3.0', license: 'WTFPL' }) }),
    ],
    history: [{ created_by: 'ADD base /' }, { created_by: 'COPY node_modules /app/node_modules' }],
  });
}

type TagRow = { name: string; digest: string; platforms: string[]; analysis: { status: string; summary: Record<string, number>; evaluatedAt: string | null } };

async function tags(repo: string): Promise<TagRow[]> {
  const res = await adminInject({ method: 'GET', url: `/api/v1/repositories/${repo}/tags` });
  expect(res.statusCode).toBe(200);
  return res.json<TagRow[]>();
}

describe('analysis routes', () => {
  it('analyzes existing tags when analysis is turned on and serves the SBOM with layer attribution', async () => {
    const image = await npmImage();
    await push('acme/web', 'v1', image);
    expect((await tags('acme/web'))[0]?.analysis.status).toBe('none');
    const notAnalyzed = await adminInject({ method: 'GET', url: '/api/v1/repositories/acme/web/tags/v1/sbom' });
    expect(notAnalyzed.statusCode).toBe(404);
    expect(notAnalyzed.headers['content-type']).toContain('application/problem+json');

    const put = await adminInject({ method: 'PUT', url: '/api/v1/repositories/acme/web/settings', payload: { analysis: 'basic' } });
    expect(put.statusCode).toBe(200);
    expect((await tags('acme/web'))[0]?.analysis.status).toBe('queued');
    const queued = await adminInject({ method: 'GET', url: '/api/v1/repositories/acme/web/tags/v1/sbom' });
    expect(queued.statusCode).toBe(409);

    runner = t.ctx.analysis.startWorkers();
    let rows: TagRow[] = [];
    for (let i = 0; i < 200; i++) {
      rows = await tags('acme/web');
      if (rows[0]?.analysis.status === 'done' || rows[0]?.analysis.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(rows[0]).toMatchObject({
      name: 'v1',
      digest: image.manifest.digest,
      platforms: ['linux/amd64'],
      analysis: { status: 'done', summary: { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 }, evaluatedAt: expect.any(String) },
    });

    const res = await adminInject({ method: 'GET', url: '/api/v1/repositories/acme/web/tags/v1/sbom?format=json' });
    expect(res.statusCode).toBe(200);
    const sbom = res.json<ImageSbom>();
    expect(sbom.image).toMatchObject({ digest: image.manifest.digest, repository: 'acme/web', tag: 'v1' });
    const leftPad = sbom.packages.find((p) => p.name === 'left-pad');
    expect(leftPad?.version).toBe('1.3.0');
    expect(leftPad?.locations[0]).toMatchObject({ layerIndex: 1, layerDigest: image.layers[1]?.digest, createdBy: 'COPY node_modules /app/node_modules' });
    expect((await t.ctx.analysis.sboms.imagesWithPackage('npm', 'left-pad')).map((h) => h.rootDigest)).toEqual([image.manifest.digest]);
    // Kept while another repository holds the same manifest, removed once the last one is deleted.
    await push('acme/copy', 'c1', image);
    expect((await adminInject({ method: 'DELETE', url: `/v2/acme/copy/manifests/${image.manifest.digest}` })).statusCode).toBe(202);
    await new Promise((r) => setTimeout(r, 20));
    expect(await t.ctx.analysis.sboms.imagesWithPackage('npm', 'left-pad')).toHaveLength(1);

    const cdx = await adminInject({ method: 'GET', url: '/api/v1/repositories/acme/web/tags/v1/sbom?format=cyclonedx' });
    expect(cdx.statusCode).toBe(200);
    expect(cdx.headers['content-type']).toContain('application/vnd.cyclonedx+json');
    expect(cdx.json<{ bomFormat: string; components: { name: string }[] }>().components.map((c) => c.name)).toContain('left-pad');
    const spdx = await adminInject({ method: 'GET', url: '/api/v1/repositories/acme/web/tags/v1/sbom?format=spdx' });
    expect(spdx.statusCode).toBe(200);
    expect(spdx.json<{ spdxVersion: string; packages: { name: string }[] }>().packages.map((p) => p.name)).toContain('left-pad');

    expect((await adminInject({ method: 'DELETE', url: `/v2/acme/web/manifests/${image.manifest.digest}` })).statusCode).toBe(202);
    for (let i = 0; i < 50 && (await t.ctx.analysis.sboms.imagesWithPackage('npm', 'left-pad')).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await t.ctx.analysis.sboms.imagesWithPackage('npm', 'left-pad')).toEqual([]);
  });

  it('enqueues on push to an analyzed repository, deduplicated by digest', async () => {
    await adminInject({ method: 'PUT', url: '/api/v1/repositories/acme/api/settings', payload: { analysis: 'advanced' } });
    const image = await npmImage();
    await push('acme/api', image.manifest.digest, image); // by digest: no job (analyzed via its tags)
    await new Promise((r) => setTimeout(r, 20));
    expect(await t.ctx.analysis.queue.list({ kind: 'analyze-image' })).toHaveLength(0);
    await push('acme/api', 'a', image);
    await push('acme/api', 'b', image);
    await new Promise((r) => setTimeout(r, 20)); // the push listener runs after the response
    const jobs = await t.ctx.analysis.queue.list({ kind: 'analyze-image' });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.key).toBe(image.manifest.digest);
  });

  it('re-catalogs images analyzed by an older cataloger set', async () => {
    await t.ctx.analysis.sboms.setStatus({ manifestDigest: 'sha256:' + 'c'.repeat(64), rootDigest: 'sha256:' + 'c'.repeat(64), platform: 'linux/amd64' }, 'done', { catalogerSet: 'old-set' });
    expect(await t.ctx.analysis.service.requeueStale()).toBe(1);
    const [job] = await t.ctx.analysis.queue.list({ kind: 'analyze-image' });
    expect(job).toMatchObject({ key: 'sha256:' + 'c'.repeat(64), status: 'queued' });
    expect(await t.ctx.analysis.service.requeueStale()).toBe(1); // deduplicated: still one job
    expect(await t.ctx.analysis.queue.list({ kind: 'analyze-image' })).toHaveLength(1);
  });

  it('answers 404 for unknown tags and 400 for unknown formats', async () => {
    const image = await npmImage();
    await push('acme/x', 'v1', image);
    expect((await adminInject({ method: 'GET', url: '/api/v1/repositories/acme/x/tags/nope/sbom' })).statusCode).toBe(404);
    expect((await adminInject({ method: 'GET', url: '/api/v1/repositories/acme/x/tags/v1/sbom?format=xml' })).statusCode).toBe(400);
  });
});
