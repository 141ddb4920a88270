/**
 * Push → analyze → match against real PyPI advisories, through the API: the tags list summary,
 * the tag vulnerabilities document (CONTRACT.md shape) and the vulnerability page listing the
 * image only for callers who may read it (real accounts: the administrator pushes; `team/app` is
 * public, `hidden/app` private, and anonymous callers read).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../test/helpers/shared.js';
import { buildImage, buildLayer, type BuiltImage } from '../../test/helpers/image-builder.js';
import { createTestApp, TEST_ADMIN_AUTH, type TestApp } from '../app/_testkit/test-app.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { osvSource } from '../vulndb/sources/osv-source.js';

const admin = { authorization: TEST_ADMIN_AUTH };

async function push(t: TestApp, repo: string, tag: string, image: BuiltImage): Promise<void> {
  for (const b of [image.config, ...image.layers]) {
    const res = await t.app.inject({ method: 'POST', url: `/v2/${repo}/blobs/uploads/?digest=${b.digest}`, payload: b.bytes, headers: { ...admin, 'content-type': 'application/octet-stream' } });
    expect(res.statusCode).toBe(201);
  }
  const res = await t.app.inject({ method: 'PUT', url: `/v2/${repo}/manifests/${tag}`, payload: image.manifest.bytes, headers: { ...admin, 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
  expect(res.statusCode).toBe(201);
}

const metadata = (name: string, version: string) => `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`;

type Report = {
  image: { digest: string; platform: string; os?: { id: string } };
  evaluatedAt: string;
  db: { version: number };
  summary: Record<string, number>;
  packages: { purl: string; name: string; version: string; type: string; locations: { path: string; layerDigest: string; layerIndex: number; createdBy: string }[]; vulnerabilities: { id: string; aliases: string[]; severity: string; fixedVersions: string[]; source: string; url: string }[] }[];
};

describe.skipIf(!hasShared('data', 'osv', 'PyPI'))('vulnerability reports through the API', () => {
  let t: TestApp;
  let runner: JobRunner;
  let image: BuiltImage;

  beforeAll(async () => {
    t = await createTestApp();
    await t.ctx.vulndb.import('osv', osvSource.read(sharedPath('data', 'osv', 'PyPI'), { issues: () => undefined }));
    image = await buildImage({
      layers: [
        await buildLayer({ 'etc/os-release': 'ID=debian\nVERSION_ID=12\n' }),
        await buildLayer({
          'usr/lib/python3/site-packages/Django-3.0.dist-info/METADATA': metadata('Django', '3.0'),
          'usr/lib/python3/site-packages/PyYAML-5.3.dist-info/METADATA': metadata('PyYAML', '5.3'),
        }),
      ],
      history: [{ created_by: 'ADD rootfs /' }, { created_by: 'RUN pip install Django==3.0 PyYAML==5.3' }],
    });
    // Both tags share one digest; only team/app is public.
    for (const repo of ['team/app', 'hidden/app']) {
      await push(t, repo, 'v1', image);
      const settings = await t.app.inject({ method: 'PUT', url: `/api/v1/repositories/${repo}/settings`, payload: { analysis: 'basic' }, headers: admin });
      expect(settings.statusCode).toBe(200);
    }
    const visibility = await t.app.inject({ method: 'PATCH', url: '/api/v1/repositories/team/app', payload: { visibility: 'public' }, headers: admin });
    expect(visibility.statusCode).toBe(200);
    runner = t.ctx.analysis.startWorkers();
    for (let i = 0; i < 400; i++) {
      const rows = (await t.app.inject({ method: 'GET', url: '/api/v1/repositories/team/app/tags' })).json<{ analysis: { status: string } }[]>();
      if (rows[0]?.analysis.status === 'done') break;
      await new Promise((r) => setTimeout(r, 25));
    }
  }, 120_000);
  afterAll(async () => {
    await runner?.stop();
    await t?.close();
  });

  it('serves the tag report with packages, their layers and advisories, and a matching tags summary', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/repositories/team/app/tags/v1/vulnerabilities' });
    expect(res.statusCode).toBe(200);
    const report = res.json<Report>();
    expect(report.image).toMatchObject({ digest: image.manifest.digest, platform: 'linux/amd64', os: { id: 'debian' } });
    expect(report.db.version).toBeGreaterThan(0);
    const django = report.packages.find((p) => p.name.toLowerCase() === 'django');
    expect(django?.vulnerabilities.length).toBeGreaterThan(5);
    expect(django?.locations[0]).toMatchObject({ layerIndex: 1, layerDigest: image.layers[1]?.digest, createdBy: 'RUN pip install Django==3.0 PyYAML==5.3' });
    for (const v of django?.vulnerabilities ?? []) {
      expect(v.url).toMatch(/^https:\/\//);
      expect(['critical', 'high', 'medium', 'low', 'unknown']).toContain(v.severity);
    }
    const total = Object.values(report.summary).reduce((a, b) => a + b, 0);
    expect(total).toBe(report.packages.reduce((n, p) => n + p.vulnerabilities.length, 0));

    const rows = (await t.app.inject({ method: 'GET', url: '/api/v1/repositories/team/app/tags' })).json<{ analysis: { summary: Record<string, number>; evaluatedAt: string } }[]>();
    expect(rows[0]?.analysis.summary).toEqual(report.summary);
    expect(rows[0]?.analysis.evaluatedAt).toEqual(expect.any(String));
  });

  it('answers a vulnerability by any alias and lists only the images the caller may read', async () => {
    const report = (await t.app.inject({ method: 'GET', url: '/api/v1/repositories/team/app/tags/v1/vulnerabilities' })).json<Report>();
    const withAlias = report.packages.flatMap((p) => p.vulnerabilities).find((v) => v.aliases.length > 0);
    expect(withAlias).toBeDefined();
    for (const id of [withAlias?.id ?? '', withAlias?.aliases[0] ?? '']) {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/vulnerabilities/${encodeURIComponent(id)}` });
      expect(res.statusCode).toBe(200);
      const doc = res.json<{ id: string; aliases: string[]; affected: unknown[]; images: { repository: string; tag: string; digest: string }[] }>();
      expect(doc.id).toBe(withAlias?.id);
      expect(doc.affected.length).toBeGreaterThan(0);
      expect(doc.images).toEqual([{ repository: 'team/app', tag: 'v1', digest: image.manifest.digest }]);
      expect(JSON.stringify(doc)).not.toContain('hidden/app');
    }
    const asAdmin = await t.app.inject({ method: 'GET', url: `/api/v1/vulnerabilities/${encodeURIComponent(withAlias?.id ?? '')}`, headers: admin });
    expect(asAdmin.json<{ images: { repository: string }[] }>().images.map((i) => i.repository).sort()).toEqual(['hidden/app', 'team/app']);
    const open = await t.app.inject({ method: 'GET', url: '/api/v1/repositories/hidden/app/tags/v1/vulnerabilities' });
    expect(open.statusCode).toBe(401);
    const missing = await t.app.inject({ method: 'GET', url: '/api/v1/vulnerabilities/CVE-1999-99999' });
    expect(missing.statusCode).toBe(404);
  });
});
