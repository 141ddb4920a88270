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
import { buildImage, buildLayer, writeOciLayout } from '../../helpers/image-builder.js';
import { startRegistry, type RegistryProcess } from '../../helpers/registry-process.js';
import { hasShared, sharedPath } from '../../helpers/shared.js';

const FIXTURES = ['npm/syft-package-lock', 'cargo/syft-cargo-lock', 'composer/syft-composer-lock'] as const;
const enabled = canRunE2E('skopeo') && hasShared('fixtures', 'npm', 'syft-package-lock');

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
    const put = await fetch(`${reg.url}/api/v1/repositories/e2e/langs/settings`, {
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

    const res = await fetch(`${reg.url}/api/v1/repositories/e2e/langs/tags/v1/sbom?format=json`);
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
});
