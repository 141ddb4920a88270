/** `crowsnest sbom TARGET` in process: oci:, docker-archive:, dir: and registry: targets, formats, and exit 2 on bad targets. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestApp, TEST_ADMIN_AUTH } from '../../app/_testkit/test-app.js';
import type { ImageSbom } from '../../model/sbom.js';
import { buildImage, buildLayer, writeOciLayout, type BuiltImage } from '../../../test/helpers/image-builder.js';
import { dockerArchive } from '../../../test/helpers/oci-image.js';
import { main } from '../cli.js';

let dir: string;
let out: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sbom-cli-'));
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

async function image(): Promise<BuiltImage> {
  return buildImage({
    layers: [
      await buildLayer({ 'etc/hostname': 'x' }),
      await buildLayer({ 'app/node_modules/left-pad/package.json': JSON.stringify({ name: 'left-pad', version: '1.3.0' }) }),
    ],
    history: [{ created_by: 'ADD base /' }, { created_by: 'COPY app /app' }],
  });
}

describe('crowsnest sbom', () => {
  it('prints the SBOM of an oci: layout with layer attribution', async () => {
    const img = await image();
    writeOciLayout(join(dir, 'oci'), img.manifest, [img.config, ...img.layers], 'v1');
    expect(await main(['sbom', `oci:${join(dir, 'oci')}:v1`])).toBe(0);
    const sbom = JSON.parse(out) as ImageSbom;
    expect(sbom.image.digest).toBe(img.manifest.digest);
    expect(sbom.packages.find((p) => p.name === 'left-pad')?.locations[0]).toMatchObject({ layerIndex: 1, createdBy: 'COPY app /app' });
  });

  it('reads a docker-archive: (docker save) with layers keyed by diff_id', async () => {
    const img = await image();
    const blob = (b: { digest: string; size: number; bytes: Buffer }, mediaType: string) => ({ digest: b.digest, size: b.size, mediaType, data: b.bytes });
    const { tar } = await dockerArchive(
      {
        manifest: blob(img.manifest, 'application/vnd.oci.image.manifest.v1+json'),
        config: blob(img.config, 'application/vnd.oci.image.config.v1+json'),
        layers: img.layers.map((l) => blob(l, 'application/vnd.oci.image.layer.v1.tar+gzip')),
        platform: { os: 'linux', architecture: 'amd64' },
      },
      'acme/app:1',
    );
    writeFileSync(join(dir, 'saved.tar'), tar);
    expect(await main(['sbom', `docker-archive:${join(dir, 'saved.tar')}`])).toBe(0);
    const sbom = JSON.parse(out) as ImageSbom;
    expect(sbom.image.tag).toBe('acme/app:1');
    const config = JSON.parse(img.config.bytes.toString('utf8')) as { rootfs: { diff_ids: string[] } };
    expect(sbom.packages.find((p) => p.name === 'left-pad')?.locations[0]).toMatchObject({ layerIndex: 1, layerDigest: config.rootfs.diff_ids[1], createdBy: 'COPY app /app' });
  });

  it('reads a dir: rootfs', async () => {
    mkdirSync(join(dir, 'root', 'app', 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(dir, 'root', 'app', 'node_modules', 'x', 'package.json'), JSON.stringify({ name: 'x', version: '2.0.0' }));
    expect(await main(['sbom', `dir:${join(dir, 'root')}`, '--format', 'json'])).toBe(0);
    expect((JSON.parse(out) as ImageSbom).packages.map((p) => `${p.name}@${p.version}`)).toContain('x@2.0.0');
  });

  it('pulls registry:HOST/REPO:TAG over loopback http, with the credentials of a docker config.json', async () => {
    const t = await createTestApp();
    const saved = { DOCKER_CONFIG: process.env.DOCKER_CONFIG, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR, REGISTRY_AUTH_FILE: process.env.REGISTRY_AUTH_FILE };
    try {
      const img = await image();
      const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
      const host = new URL(address).host;
      const headers = { authorization: TEST_ADMIN_AUTH };
      for (const b of [img.config, ...img.layers]) {
        const r = await fetch(`${address}/v2/cli/pull/blobs/uploads/?digest=${b.digest}`, { method: 'POST', body: b.bytes, headers: { ...headers, 'content-type': 'application/octet-stream' } });
        expect(r.status).toBe(201);
      }
      const m = await fetch(`${address}/v2/cli/pull/manifests/v1`, { method: 'PUT', body: img.manifest.bytes, headers: { ...headers, 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
      expect(m.status).toBe(201);
      // No credentials anywhere: the private repository is not readable.
      process.env.DOCKER_CONFIG = join(dir, 'docker');
      delete process.env.XDG_RUNTIME_DIR;
      delete process.env.REGISTRY_AUTH_FILE;
      expect(await main(['sbom', `registry:${host}/cli/pull:v1`])).not.toBe(0);
      expect(out).toBe('');
      // What `docker login` writes.
      mkdirSync(join(dir, 'docker'));
      writeFileSync(join(dir, 'docker', 'config.json'), JSON.stringify({ auths: { [host]: { auth: TEST_ADMIN_AUTH.slice('Basic '.length) } } }));
      expect(await main(['sbom', `registry:${host}/cli/pull:v1`])).toBe(0);
      const sbom = JSON.parse(out) as ImageSbom;
      expect(sbom.image.digest).toBe(img.manifest.digest);
      expect(sbom.packages.map((p) => p.name)).toContain('left-pad');
      out = '';
      expect(await main(['sbom', `registry:${host}/cli/pull:v1`, '--format', 'cyclonedx'])).toBe(0);
      expect((JSON.parse(out) as { bomFormat: string }).bomFormat).toBe('CycloneDX');
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await t.close();
    }
  });

  it('exits 2 on bad targets and unknown formats', async () => {
    expect(await main(['sbom', 'nonsense'])).toBe(2);
    expect(await main(['sbom', `oci:${join(dir, 'missing')}`])).toBe(2);
    expect(await main(['sbom', `dir:${join(dir, 'missing')}`])).toBe(2);
    expect(await main(['sbom', `docker-archive:${join(dir, 'missing.tar')}`])).toBe(2);
    expect(await main(['sbom', 'registry:nohost'])).toBe(2);
    expect(await main(['sbom', `dir:${dir}`, '--format', 'xml'])).toBe(2);
    expect(out).toBe('');
  });
});
