/**
 * skopeo against the registry: a multi-layer image and a multi-platform index pushed from OCI layouts
 * keep their digests both ways, copies between repositories of one registry work, and delete removes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunE2E, fetchManifest, run } from '../../helpers/e2e.js';
import { buildImage, buildIndex, writeOciLayout } from '../../helpers/oci-image.js';
import { startRegistry, type RegistryProcess } from '../../helpers/registry-process.js';

const enabled = canRunE2E('skopeo');

describe.skipIf(!enabled)('skopeo end to end', () => {
  let reg: RegistryProcess;
  let work: string;
  const tls = ['--src-tls-verify=false', '--dest-tls-verify=false'];

  beforeAll(async () => {
    reg = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'e2e-skopeo-'));
  });
  afterAll(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('round-trips a multi-layer image with identical digests', async () => {
    const img = await buildImage({ layerCount: 4 });
    const src = join(work, 'img');
    writeOciLayout(src, img, 'v1');
    await run('skopeo', ['copy', ...tls, '--preserve-digests', `oci:${src}:v1`, `docker://${reg.host}/e2e/skopeo:v1`]);

    const got = await fetchManifest(reg.url, 'e2e/skopeo', 'v1');
    expect(got.status).toBe(200);
    expect(got.digest).toBe(img.manifest.digest);
    expect(got.header).toBe(img.manifest.digest);

    const out = join(work, 'img-out');
    await run('skopeo', ['copy', ...tls, '--preserve-digests', `docker://${reg.host}/e2e/skopeo:v1`, `oci:${out}:v1`]);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    expect(index.manifests[0]?.digest).toBe(img.manifest.digest);
    for (const layer of img.layers) {
      const data = readFileSync(join(out, 'blobs', 'sha256', layer.digest.slice(7)));
      expect(data.equals(layer.data)).toBe(true);
    }
    const inspect = JSON.parse((await run('skopeo', ['inspect', '--tls-verify=false', `docker://${reg.host}/e2e/skopeo:v1`])).stdout) as {
      Digest: string;
      Layers: string[];
    };
    expect(inspect.Digest).toBe(img.manifest.digest);
    expect(inspect.Layers).toEqual(img.layers.map((l) => l.digest));
  });

  it('round-trips a multi-platform index with identical digests', async () => {
    const idx = await buildIndex(['amd64', 'arm64', 's390x']);
    const src = join(work, 'idx');
    writeOciLayout(src, idx, 'multi');
    await run('skopeo', ['copy', ...tls, '--all', '--preserve-digests', `oci:${src}:multi`, `docker://${reg.host}/e2e/skopeo-index:multi`]);

    const top = await fetchManifest(reg.url, 'e2e/skopeo-index', 'multi');
    expect(top.status).toBe(200);
    expect(top.digest).toBe(idx.index.digest);
    for (const child of idx.images) {
      const m = await fetchManifest(reg.url, 'e2e/skopeo-index', child.manifest.digest);
      expect(m.status).toBe(200);
      expect(m.digest).toBe(child.manifest.digest);
    }
    const raw = (await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/e2e/skopeo-index:multi`])).stdout;
    expect(Buffer.from(raw).equals(idx.index.data)).toBe(true);

    const out = join(work, 'idx-out');
    await run('skopeo', ['copy', ...tls, '--all', '--preserve-digests', `docker://${reg.host}/e2e/skopeo-index:multi`, `oci:${out}:multi`]);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    expect(index.manifests[0]?.digest).toBe(idx.index.digest);
  });

  it('copies between repositories of the same registry and deletes', async () => {
    const img = await buildImage({ layerCount: 2 });
    const src = join(work, 'copy');
    writeOciLayout(src, img, 'v1');
    await run('skopeo', ['copy', ...tls, `oci:${src}:v1`, `docker://${reg.host}/e2e/skopeo-a:v1`]);
    await run('skopeo', ['copy', ...tls, `docker://${reg.host}/e2e/skopeo-a:v1`, `docker://${reg.host}/e2e/skopeo-b:v1`]);
    const b = await fetchManifest(reg.url, 'e2e/skopeo-b', 'v1');
    expect(b.status).toBe(200);
    expect(b.digest).toBe(img.manifest.digest);

    const tags = JSON.parse((await run('skopeo', ['list-tags', '--tls-verify=false', `docker://${reg.host}/e2e/skopeo-b`])).stdout) as {
      Tags: string[];
    };
    expect(tags.Tags).toEqual(['v1']);

    await run('skopeo', ['delete', '--tls-verify=false', `docker://${reg.host}/e2e/skopeo-b:v1`]);
    expect((await fetchManifest(reg.url, 'e2e/skopeo-b', img.manifest.digest)).status).toBe(404);
    // The source repository is untouched by deleting the copy.
    expect((await fetchManifest(reg.url, 'e2e/skopeo-a', 'v1')).status).toBe(200);
  });
});
