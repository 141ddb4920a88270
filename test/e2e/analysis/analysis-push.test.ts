/**
 * End to end through the real server process: enable analysis for a repository via the settings API,
 * push an image built from the shared fixture lock files with skopeo, wait (bounded) for the tags API
 * to report the analysis done, and read the SBOM: every expected package with the layer that brought
 * it and that layer's created_by. A Debian image from real .debs follows once the dpkg cataloger lands.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunE2E, run } from '../../helpers/e2e.js';
import { layerSpecOf, waitForAnalysis } from '../../helpers/analysis.js';
import { buildImage, buildIndex, buildLayer, writeOciLayout } from '../../helpers/image-builder.js';
import { adminFetch, startRegistry, type RegistryProcess } from '../../helpers/registry-process.js';
import { hasShared, sharedPath } from '../../helpers/shared.js';

const FIXTURES = ['npm/syft-package-lock', 'cargo/syft-cargo-lock', 'composer/syft-composer-lock'] as const;
const enabled = canRunE2E('skopeo') && hasShared('fixtures', 'npm', 'syft-package-lock');
const OS_FIXTURES = { apk: 'apk/syft-multiple-1', rpm: 'rpm/generated-sqlite-el9-a' } as const;

interface SbomDoc {
  image: { digest: string; layers: { digest: string; index: number; createdBy?: string }[] };
  packages: { name: string; version: string; locations: { path: string; layerDigest?: string; layerIndex?: number; createdBy?: string }[] }[];
}

describe.skipIf(!enabled)('analysis end to end (server process + skopeo)', () => {
  let reg: RegistryProcess;
  let work: string;

  beforeAll(async () => {
    reg = await startRegistry({ env: { CROWSNEST_LOG_LEVEL: 'warn' } });
    work = mkdtempSync(join(tmpdir(), 'e2e-analysis-'));
  });
  afterAll(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('analyzes a pushed image and serves its SBOM with introducing layers and created_by', async () => {
    const put = await adminFetch(`${reg.url}/api/v1/repositories/e2e/langs/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ analysis: 'basic' }),
    });
    expect(put.status).toBe(200);

    const layers = await Promise.all(FIXTURES.map((f, i) => buildLayer(layerSpecOf(sharedPath('fixtures', f), `srv/app${i}`))));
    const history = FIXTURES.flatMap((f, i) => [{ created_by: `COPY ${f} /srv/app${i}` }, ...(i === 0 ? [{ created_by: 'ENV A=1', empty_layer: true }] : [])]);
    const image = buildImage({ layers, history });
    const layout = join(work, 'langs');
    writeOciLayout(layout, image.manifest, [image.config, ...image.layers], 'v1');
    await run('skopeo', ['copy', '--dest-tls-verify=false', '--preserve-digests', `oci:${layout}:v1`, `docker://${reg.host}/e2e/langs:v1`]);

    const analysis = await waitForAnalysis(reg.url, 'e2e/langs', 'v1');
    expect(analysis.status, reg.output()).toBe('done');

    const res = await adminFetch(`${reg.url}/api/v1/repositories/e2e/langs/tags/v1/sbom?format=json`);
    expect(res.status).toBe(200);
    const sbom = (await res.json()) as SbomDoc;
    expect(sbom.image.digest).toBe(image.manifest.digest);
    expect(sbom.image.layers.map((l) => l.digest)).toEqual(image.layers.map((l) => l.digest));
    FIXTURES.forEach((f, i) => {
      const expected = JSON.parse(readFileSync(sharedPath('fixtures', f, 'expected.json'), 'utf8')) as { packages: { name: string; version: string }[] };
      for (const want of expected.packages) {
        const got = sbom.packages.find((p) => p.name === want.name && p.version === want.version && p.locations.some((l) => l.path.startsWith(`/srv/app${i}/`)));
        expect(got, `${f}: ${want.name}@${want.version}`).toBeDefined();
        const loc = got?.locations.find((l) => l.path.startsWith(`/srv/app${i}/`));
        expect(loc).toMatchObject({ layerIndex: i, layerDigest: image.layers[i]?.digest, createdBy: `COPY ${f} /srv/app${i}` });
      }
    });
  });

  it('analyzes every platform of an index: Alpine-like (apk) and rpm-based images from fixture databases, Windows unsupported', async () => {
    await adminFetch(`${reg.url}/api/v1/repositories/e2e/multi/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ analysis: 'advanced' }),
    });
    const osLayer = (text: string) => buildLayer({ 'etc/os-release': text });
    const alpine = buildImage({
      layers: [await osLayer('ID=alpine\nVERSION_ID=3.19.1\nNAME="Alpine Linux"\n'), await buildLayer(layerSpecOf(sharedPath('fixtures', OS_FIXTURES.apk), ''))],
      history: [{ created_by: 'ADD alpine-minirootfs.tar.gz /' }, { created_by: 'RUN apk add bash' }],
    });
    const rocky = buildImage({
      layers: [await osLayer('ID="rocky"\nVERSION_ID="9.4"\nID_LIKE="rhel centos fedora"\nNAME="Rocky Linux"\n'), await buildLayer(layerSpecOf(sharedPath('fixtures', OS_FIXTURES.rpm), ''))],
      history: [{ created_by: 'ADD rocky.tar /' }, { created_by: 'RUN dnf install -y coreutils' }],
      architecture: 'arm64',
    });
    const windows = buildImage({ layers: [await buildLayer({ 'Files/x.txt': 'x' })], os: 'windows' });
    const index = buildIndex([
      { image: windows, os: 'windows', architecture: 'amd64' },
      { image: rocky, os: 'linux', architecture: 'arm64' },
      { image: alpine, os: 'linux', architecture: 'amd64' },
    ]);
    const layout = join(work, 'multi');
    const blobs = [alpine, rocky, windows].flatMap((i) => [i.manifest, i.config, ...i.layers]);
    writeOciLayout(layout, index, blobs, 'v1', 'application/vnd.oci.image.index.v1+json');
    await run('skopeo', ['copy', '--all', '--dest-tls-verify=false', '--preserve-digests', `oci:${layout}:v1`, `docker://${reg.host}/e2e/multi:v1`]);
    expect((await waitForAnalysis(reg.url, 'e2e/multi', 'v1')).status, reg.output()).toBe('done');

    const tags = (await (await adminFetch(`${reg.url}/api/v1/repositories/e2e/multi/tags`)).json()) as { platforms: string[] }[];
    expect(tags[0]?.platforms).toEqual(['linux/amd64', 'linux/arm64', 'windows/amd64']);
    const windowsSbom = await adminFetch(`${reg.url}/api/v1/repositories/e2e/multi/tags/v1/sbom?platform=windows/amd64`);
    expect(windowsSbom.status).toBe(404);
    expect(((await windowsSbom.json()) as { detail: string }).detail).toMatch(/unsupported/);

    for (const [platform, kind, img] of [['linux/amd64', 'apk', alpine], ['linux/arm64', 'rpm', rocky]] as const) {
      const res = await adminFetch(`${reg.url}/api/v1/repositories/e2e/multi/tags/v1/sbom?format=json&platform=${platform}`);
      expect(res.status, platform).toBe(200);
      const sbom = (await res.json()) as SbomDoc & { distro?: { id: string } };
      expect(sbom.image.digest).toBe(img.manifest.digest);
      expect(sbom.distro?.id).toBe(kind === 'apk' ? 'alpine' : 'rocky');
      const expected = JSON.parse(readFileSync(sharedPath('fixtures', OS_FIXTURES[kind], 'expected.json'), 'utf8')) as { packages: { name: string; version: string; evr?: string }[] };
      for (const want of expected.packages) {
        // rpm fixtures state the full epoch:version-release as `evr`; that is the package version.
        const version = want.evr ?? want.version;
        const got = sbom.packages.find((p) => p.name === want.name && p.version === version);
        expect(got, `${platform}: ${want.name}@${version}`).toBeDefined();
        expect(got?.locations[0]).toMatchObject({ layerIndex: 1, layerDigest: img.layers[1]?.digest, createdBy: kind === 'apk' ? 'RUN apk add bash' : 'RUN dnf install -y coreutils' });
      }
    }
  });
});
