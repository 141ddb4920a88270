/** GC over a real app context: what is kept (tags, index children, referrers, young data) and what goes. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../app/_testkit/test-app.js';
import { digestOf, type Digest } from '../../core/digest.js';
import { MediaType } from '../manifest.js';
import { collectGarbage, type GcRemoval } from './garbage-collector.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

async function blob(repo: string, s: string): Promise<{ digest: Digest; size: number }> {
  await t.ctx.uploads.putMonolithic(repo, digestOf(s), Buffer.from(s));
  return { digest: digestOf(s), size: s.length };
}

async function image(repo: string, ref: string, layers: string[], extra: object = {}): Promise<Digest> {
  const config = await blob(repo, '{}');
  const ls = [];
  for (const l of layers) ls.push(await blob(repo, l));
  const body = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: ls.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...l })),
      ...extra,
    }),
  );
  return (await t.ctx.manifests.put(repo, ref, body, undefined)).digest;
}

function run(dryRun: boolean, hoursLater: number) {
  const removed: GcRemoval[] = [];
  return collectGarbage({
    blobs: t.ctx.blobs,
    metadata: t.ctx.metadata,
    uploads: t.ctx.uploads,
    log: t.ctx.log,
    graceSeconds: 3600,
    uploadPurgeAgeSeconds: 86400,
    dryRun,
    now: new Date(Date.now() + hoursLater * 3600_000),
    onRemove: (r) => removed.push(r),
  }).then((report) => ({ report, removed }));
}

describe('collectGarbage', () => {
  it('keeps tagged images, index children and referrers; removes the rest past the grace period', async () => {
    const tagged = await image('app', 'v1', ['shared', 'only-tagged']);
    const child = await image('app', 'child-tag', ['child-layer']);
    await t.ctx.metadata.manifests.deleteTag('app', 'child-tag');
    const childBody = await t.ctx.manifests.get('app', child);
    const index = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ mediaType: MediaType.ociManifest, digest: child, size: childBody.body.length }] }),
    );
    const indexDigest = (await t.ctx.manifests.put('app', 'multi', index, undefined)).digest;
    const sig = await image('app', 'sig-tmp', [], { subject: { mediaType: MediaType.ociManifest, digest: tagged, size: 1 }, artifactType: 'application/x-sig' });
    await t.ctx.metadata.manifests.deleteTag('app', 'sig-tmp');
    const orphan = await image('app', 'old', ['shared', 'only-orphan']);
    await t.ctx.metadata.manifests.deleteTag('app', 'old');
    const loose = await blob('app', 'pushed but never referenced');

    // Within the grace period nothing goes.
    const young = await run(false, 0);
    expect(young.removed).toEqual([]);

    const dry = await run(true, 2);
    const dryManifests = dry.removed.filter((r) => r.kind === 'manifest').map((r) => (r.kind === 'manifest' ? r.digest : ''));
    expect(dryManifests).toEqual([orphan]);
    expect(await t.ctx.metadata.manifests.get('app', orphan)).toBeDefined();

    const real = await run(false, 2);
    const removedBlobs = real.removed.flatMap((r) => (r.kind === 'blob' ? [r.digest] : []));
    expect(real.removed.filter((r) => r.kind === 'manifest')).toEqual([{ kind: 'manifest', repo: 'app', digest: orphan }]);
    expect(removedBlobs.sort()).toEqual([orphan, digestOf('only-orphan'), loose.digest].sort());
    expect(dry.removed.filter((r) => r.kind === 'blob').length).toBe(removedBlobs.length);
    for (const kept of [tagged, child, indexDigest, sig]) expect(await t.ctx.metadata.manifests.get('app', kept)).toBeDefined();
    for (const d of [digestOf('shared'), digestOf('only-tagged'), digestOf('child-layer'), tagged, child, indexDigest, sig]) {
      expect(await t.ctx.blobs.stat(d)).toBeDefined();
    }
    expect(await t.ctx.blobs.stat(digestOf('only-orphan'))).toBeUndefined();
    expect(await t.ctx.metadata.repos.isBlobLinked('app', loose.digest)).toBe(false);
    // A second run finds nothing more.
    expect((await run(false, 2)).removed).toEqual([]);
  });

  it('purges stale uploads', async () => {
    const started = await t.ctx.uploads.start('app');
    const { removed } = await run(false, 25);
    expect(removed).toContainEqual({ kind: 'upload', id: started.id });
    await expect(t.ctx.uploads.status('app', started.id)).rejects.toMatchObject({ code: 'BLOB_UPLOAD_UNKNOWN' });
  });
});
