/**
 * umoci-made images (manifests without a `mediaType` field) pushed with skopeo: the registry must take
 * the type from the request's Content-Type, keep the bytes, and serve them back with the OCI type.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunE2E, fetchManifest, run } from '../../helpers/e2e.js';
import { startRegistry, type RegistryProcess } from '../../helpers/registry-process.js';

const enabled = canRunE2E('umoci', 'skopeo');

describe.skipIf(!enabled)('umoci layouts end to end', () => {
  let reg: RegistryProcess;
  let work: string;

  beforeAll(async () => {
    reg = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'e2e-umoci-'));
  });
  afterAll(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('accepts a manifest without mediaType and keeps its digest', async () => {
    const layout = join(work, 'layout');
    const content = join(work, 'content');
    mkdirSync(content);
    writeFileSync(join(content, 'data.bin'), randomBytes(8192));
    await run('umoci', ['init', '--layout', layout]);
    await run('umoci', ['new', '--image', `${layout}:t1`]);
    await run('umoci', ['insert', '--rootless', '--image', `${layout}:t1`, content, '/one']);
    await run('umoci', ['insert', '--rootless', '--image', `${layout}:t1`, content, '/two']);

    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const digest = index.manifests[0]?.digest ?? '';
    const raw = JSON.parse(readFileSync(join(layout, 'blobs', 'sha256', digest.slice(7)), 'utf8')) as Record<string, unknown>;
    expect(raw.mediaType).toBeUndefined(); // the case under test

    await run('skopeo', ['copy', '--dest-tls-verify=false', '--preserve-digests', `oci:${layout}:t1`, `docker://${reg.host}/e2e/umoci:t1`]);
    const got = await fetchManifest(reg.url, 'e2e/umoci', 't1');
    expect(got.status).toBe(200);
    expect(got.digest).toBe(digest);
    expect(got.contentType).toBe('application/vnd.oci.image.manifest.v1+json');
  });
});
