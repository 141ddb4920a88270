/**
 * crane against the registry: push an OCI layout and an index with digests kept, pull back, copy between
 * repositories by cross-repository mount (checked in crane's HTTP trace), list, tag and delete tags.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunE2E, fetchManifest, listTags, run } from '../../helpers/e2e.js';
import { buildImage, buildIndex, writeOciLayout } from '../../helpers/oci-image.js';
import { E2E_ADMIN_AUTH, startRegistry, type RegistryProcess } from '../../helpers/registry-process.js';

const enabled = canRunE2E('crane');

describe.skipIf(!enabled)('crane end to end', () => {
  let reg: RegistryProcess;
  let work: string;

  beforeAll(async () => {
    reg = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'e2e-crane-'));
  });
  afterAll(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('pushes and pulls a multi-layer image and an index with identical digests', async () => {
    const img = await buildImage({ layerCount: 3 });
    writeOciLayout(join(work, 'img'), img, 'v1');
    await run('crane', ['push', '--insecure', join(work, 'img'), `${reg.host}/e2e/crane:v1`]);
    expect((await run('crane', ['digest', '--insecure', `${reg.host}/e2e/crane:v1`])).stdout.trim()).toBe(img.manifest.digest);
    const raw = (await run('crane', ['manifest', '--insecure', `${reg.host}/e2e/crane:v1`])).stdout;
    expect(Buffer.from(raw).equals(img.manifest.data)).toBe(true);

    const layer = img.layers[1];
    if (!layer) throw new Error('image has no second layer');
    const res = await fetch(`${reg.url}/v2/e2e/crane/blobs/${layer.digest}`, { headers: { Authorization: E2E_ADMIN_AUTH } });
    expect(Buffer.from(await res.arrayBuffer()).equals(layer.data)).toBe(true);

    const idx = await buildIndex(['amd64', 'arm64']);
    writeOciLayout(join(work, 'idx'), idx, 'multi');
    await run('crane', ['push', '--insecure', join(work, 'idx'), `${reg.host}/e2e/crane:multi`]);
    expect((await run('crane', ['digest', '--insecure', `${reg.host}/e2e/crane:multi`])).stdout.trim()).toBe(idx.index.digest);

    const out = join(work, 'pulled');
    await run('crane', ['pull', '--insecure', '--format', 'oci', `${reg.host}/e2e/crane:multi`, out]);
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    expect(index.manifests.map((m) => m.digest)).toContain(idx.index.digest);
  });

  it('copies across repositories with a cross-repository mount', async () => {
    const img = await buildImage({ layerCount: 3 });
    writeOciLayout(join(work, 'mnt'), img, 'v1');
    await run('crane', ['push', '--insecure', join(work, 'mnt'), `${reg.host}/e2e/mount-src:v1`]);
    const { stderr } = await run('crane', ['copy', '--insecure', '-v', `${reg.host}/e2e/mount-src:v1`, `${reg.host}/e2e/mount-dst:v1`]);
    for (const blob of [img.config, ...img.layers]) {
      const mount = `mount=${encodeURIComponent(blob.digest)}`;
      const accepted = stderr.split('\n').some((l) => l.includes('<-- 201') && l.includes('/v2/e2e/mount-dst/blobs/uploads/') && l.includes(mount));
      expect(accepted, `mount of ${blob.digest} answered 201`).toBe(true);
    }
    // A mount moves no bytes: no PATCH or PUT of blob data to the destination.
    expect(stderr).not.toMatch(/--> (PATCH|PUT) \S+\/v2\/e2e\/mount-dst\/blobs\//);
    const got = await fetchManifest(reg.url, 'e2e/mount-dst', 'v1');
    expect(got.digest).toBe(img.manifest.digest);
  });

  it('lists, tags and deletes', async () => {
    const img = await buildImage({ layerCount: 1 });
    writeOciLayout(join(work, 'tags'), img, 'v1');
    await run('crane', ['push', '--insecure', join(work, 'tags'), `${reg.host}/e2e/crane-tags:v1`]);
    await run('crane', ['tag', '--insecure', `${reg.host}/e2e/crane-tags:v1`, 'v2']);
    await run('crane', ['tag', '--insecure', `${reg.host}/e2e/crane-tags:v1`, 'v3']);
    const ls = (await run('crane', ['ls', '--insecure', `${reg.host}/e2e/crane-tags`])).stdout.trim().split('\n').sort();
    expect(ls).toEqual(['v1', 'v2', 'v3']);
    const catalog = (await run('crane', ['catalog', '--insecure', reg.host])).stdout.split('\n');
    expect(catalog).toContain('e2e/crane-tags');

    // Deleting by digest removes the manifest and every tag pointing at it.
    await run('crane', ['delete', '--insecure', `${reg.host}/e2e/crane-tags@${img.manifest.digest}`]);
    expect((await fetchManifest(reg.url, 'e2e/crane-tags', img.manifest.digest)).status).toBe(404);
    expect((await fetchManifest(reg.url, 'e2e/crane-tags', 'v2')).status).toBe(404);
    expect(await listTags(reg.url, 'e2e/crane-tags')).toEqual([]);
  });
});
