/**
 * buildah and podman against the registry (vfs storage in temp roots, nothing run): buildah builds a
 * two-layer image from scratch and pushes it; podman pulls it, re-tags, pushes to another repository and
 * pulls that into fresh storage, keeping the image id (config digest) and the manifest digest throughout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunE2E, fetchManifest, listTags, run } from '../../helpers/e2e.js';
import { startRegistry, type RegistryProcess } from '../../helpers/registry-process.js';

const enabled = canRunE2E('buildah', 'podman');

describe.skipIf(!enabled)('buildah and podman end to end', () => {
  let reg: RegistryProcess;
  let work: string;
  const storage = (name: string): string[] => [
    '--root', join(work, name, 'root'), '--runroot', join(work, name, 'run'), '--storage-driver', 'vfs',
  ];
  const podman = (name: string): string[] => [...storage(name), '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];

  beforeAll(async () => {
    reg = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'e2e-podman-'));
  });
  afterAll(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('builds with buildah, pushes, and round-trips through podman', async () => {
    writeFileSync(join(work, 'one.bin'), randomBytes(8192));
    writeFileSync(join(work, 'two.bin'), randomBytes(8192));
    const b = storage('buildah');
    const c1 = (await run('buildah', [...b, 'from', 'scratch'])).stdout.trim();
    await run('buildah', [...b, 'copy', c1, join(work, 'one.bin'), '/one.bin']);
    await run('buildah', [...b, 'commit', '-q', c1, 'localhost/stage1']);
    const c2 = (await run('buildah', [...b, 'from', 'localhost/stage1'])).stdout.trim();
    await run('buildah', [...b, 'copy', c2, join(work, 'two.bin'), '/two.bin']);
    await run('buildah', [...b, 'config', '--cmd', '/one.bin', c2]);
    const id = (await run('buildah', [...b, 'commit', '-q', c2, 'localhost/final'])).stdout.trim();
    await run('buildah', [...b, 'push', '-q', '--tls-verify=false', 'localhost/final', `docker://${reg.host}/e2e/built:v1`]);

    const pushed = await fetchManifest(reg.url, 'e2e/built', 'v1');
    expect(pushed.status).toBe(200);
    const manifest = JSON.parse(pushed.body.toString('utf8')) as { config: { digest: string }; layers: unknown[] };
    expect(manifest.layers).toHaveLength(2);
    expect(manifest.config.digest).toBe(`sha256:${id}`);

    const p = podman('podman');
    await run('podman', [...p, 'pull', '-q', '--tls-verify=false', `${reg.host}/e2e/built:v1`]);
    const pulled = (await run('podman', [...p, 'images', '--no-trunc', '--format', '{{.Id}} {{.Digest}}', `${reg.host}/e2e/built:v1`])).stdout.trim();
    expect(pulled).toBe(`${id} ${pushed.digest}`);

    await run('podman', [...p, 'tag', `${reg.host}/e2e/built:v1`, `${reg.host}/e2e/podman-copy:v2`]);
    await run('podman', [...p, 'push', '-q', '--tls-verify=false', `${reg.host}/e2e/podman-copy:v2`]);
    expect(await listTags(reg.url, 'e2e/podman-copy')).toEqual(['v2']);

    const fresh = podman('fresh');
    await run('podman', [...fresh, 'pull', '-q', '--tls-verify=false', `${reg.host}/e2e/podman-copy:v2`]);
    const again = (await run('podman', [...fresh, 'images', '--no-trunc', '--format', '{{.Id}}'])).stdout.trim();
    expect(again).toBe(id);
  });
});
