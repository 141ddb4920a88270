/**
 * `serve --no-workers` only enqueues; a separate `crowsnest worker` process on the same data directory
 * runs the analysis; SIGTERM stops the worker with exit 0.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForAnalysis } from '../../helpers/analysis.js';
import { buildImage, buildLayer, type BuiltImage } from '../../helpers/image-builder.js';
import { adminFetch, canStartRegistry, repoRoot, startRegistry, type RegistryProcess } from '../../helpers/registry-process.js';

const REPO = 'e2e/worker';

describe.skipIf(!canStartRegistry('crowsnest'))('serve --no-workers + crowsnest worker', () => {
  let reg: RegistryProcess;

  beforeAll(async () => {
    reg = await startRegistry({ env: { CROWSNEST_LOG_LEVEL: 'warn' }, args: ['--no-workers'] });
  });
  afterAll(async () => {
    await reg?.stop();
  });

  async function push(tag: string, image: BuiltImage): Promise<void> {
    for (const b of [image.config, ...image.layers]) {
      const res = await adminFetch(`${reg.url}/v2/${REPO}/blobs/uploads/?digest=${b.digest}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: b.bytes });
      expect(res.status).toBe(201);
    }
    const res = await adminFetch(`${reg.url}/v2/${REPO}/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, body: image.manifest.bytes });
    expect(res.status).toBe(201);
  }

  it('leaves the job queued until a worker process runs it', async () => {
    const put = await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ analysis: 'basic' }) });
    expect(put.status).toBe(200);
    await push('v1', buildImage({ layers: [await buildLayer({ 'app/node_modules/w/package.json': JSON.stringify({ name: 'w', version: '3.0.0' }) })] }));
    // Without workers nothing runs: still queued after a while.
    expect((await waitForAnalysis(reg.url, REPO, 'v1', 1500)).status).toBe('queued');

    const worker = spawn(process.execPath, [join(repoRoot, 'bin', 'crowsnest.js'), 'worker', '--data', reg.dataDir, '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CROWSNEST_VULNDB_UPDATE_INTERVAL: 'off' },
    });
    let out = '';
    worker.stdout.on('data', (c: Buffer) => (out += c.toString()));
    worker.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    try {
      expect((await waitForAnalysis(reg.url, REPO, 'v1', 30_000)).status, out).toBe('done');
      const sbom = (await (await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/tags/v1/sbom`)).json()) as { packages: { name: string }[] };
      expect(sbom.packages.map((p) => p.name)).toContain('w');
    } finally {
      worker.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
