/**
 * The real docker CLI and a private dockerd against the registry: load a locally built image tarball,
 * tag, push over plain HTTP to loopback, remove, pull back, and compare image ids and manifest digests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunE2E, fetchManifest, listTags } from '../../helpers/e2e.js';
import { startDockerd, type Dockerd } from '../../helpers/dockerd.js';
import { buildImage, dockerArchive } from '../../helpers/oci-image.js';
import { startRegistry, type RegistryProcess } from '../../helpers/registry-process.js';

const enabled = canRunE2E('docker', 'dockerd', 'containerd', 'runc');

describe.skipIf(!enabled)('docker end to end', () => {
  let reg: RegistryProcess;
  let engine: Dockerd;

  beforeAll(async () => {
    reg = await startRegistry();
    engine = await startDockerd(reg.host);
  }, 120_000);
  afterAll(async () => {
    await engine?.stop();
    await reg?.stop();
  }, 60_000);

  it('loads, tags, pushes, removes and pulls back the same image', async () => {
    const img = await buildImage({ layerCount: 3, layerSize: 32 * 1024 });
    const { tar, id } = await dockerArchive(img, 'crowsnest-test/local:built');
    await engine.docker(['load', '--quiet'], tar);
    const loadedId = (await engine.docker(['image', 'inspect', '--format', '{{.Id}}', 'crowsnest-test/local:built'])).trim();
    expect(loadedId).toBe(id);

    const ref = `${reg.host}/e2e/docker:v1`;
    await engine.docker(['tag', 'crowsnest-test/local:built', ref]);
    await engine.docker(['push', '--quiet', ref]);
    expect(await listTags(reg.url, 'e2e/docker')).toEqual(['v1']);
    const pushed = await fetchManifest(reg.url, 'e2e/docker', 'v1');
    expect(pushed.status).toBe(200);
    expect(pushed.header).toBe(pushed.digest);
    const manifest = JSON.parse(pushed.body.toString('utf8')) as { config: { digest: string }; layers: unknown[] };
    expect(manifest.config.digest).toBe(id);
    expect(manifest.layers).toHaveLength(3);

    await engine.docker(['rmi', ref, 'crowsnest-test/local:built']);
    await expect(engine.docker(['image', 'inspect', ref])).rejects.toThrow();

    await engine.docker(['pull', '--quiet', ref]);
    expect((await engine.docker(['image', 'inspect', '--format', '{{.Id}}', ref])).trim()).toBe(id);
    const repoDigests = (await engine.docker(['image', 'inspect', '--format', '{{join .RepoDigests ","}}', ref])).trim();
    expect(repoDigests).toBe(`${reg.host}/e2e/docker@${pushed.digest}`);

    // Pushing the same image to another repository of the registry mounts every layer from the first
    // (docker reports it per layer as "Mounted from <repo>").
    const ref2 = `${reg.host}/e2e/docker-other:v1`;
    await engine.docker(['tag', ref, ref2]);
    const progress = await engine.docker(['push', ref2]);
    expect(progress.match(/Mounted from e2e\/docker\b/g) ?? []).toHaveLength(3);
    expect((await fetchManifest(reg.url, 'e2e/docker-other', 'v1')).digest).toBe(pushed.digest);
  });
});
