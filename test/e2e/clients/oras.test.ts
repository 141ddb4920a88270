/**
 * oras against the registry: push an artifact with an artifactType, attach a referrer to it, discover
 * the referrer (through the referrers API on Crowsnest), and pull the artifact back byte for byte.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunE2E, fetchManifest, run } from '../../helpers/e2e.js';
import { E2E_ADMIN_AUTH, startRegistry, type RegistryProcess } from '../../helpers/registry-process.js';

const enabled = canRunE2E('oras');

interface Descriptor {
  digest: string;
  mediaType: string;
  artifactType?: string;
}

describe.skipIf(!enabled)('oras end to end', () => {
  let reg: RegistryProcess;
  let work: string;

  beforeAll(async () => {
    reg = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'e2e-oras-'));
  });
  afterAll(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('pushes an artifact, attaches a referrer and discovers it', async () => {
    const payload = randomBytes(4096).toString('hex');
    writeFileSync(join(work, 'payload.txt'), payload);
    writeFileSync(join(work, 'sbom.json'), JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'test' }));
    const ref = `${reg.host}/e2e/artifact:v1`;
    const opts = { cwd: work };
    const pushed = JSON.parse(
      (
        await run('oras', [
          'push', '--plain-http', '--format', 'json', '--artifact-type', 'application/vnd.crowsnest.test.v1',
          ref, 'payload.txt:text/plain',
        ], opts)
      ).stdout,
    ) as Descriptor;
    expect(pushed.artifactType).toBe('application/vnd.crowsnest.test.v1');
    const stored = await fetchManifest(reg.url, 'e2e/artifact', 'v1');
    expect(stored.digest).toBe(pushed.digest);
    const manifest = JSON.parse(stored.body.toString('utf8')) as { artifactType?: string };
    expect(manifest.artifactType).toBe('application/vnd.crowsnest.test.v1');

    const attached = JSON.parse(
      (
        await run('oras', [
          'attach', '--plain-http', '--format', 'json', '--artifact-type', 'application/vnd.crowsnest.sbom.v1',
          ref, 'sbom.json:application/json',
        ], opts)
      ).stdout,
    ) as Descriptor;

    const discovered = JSON.parse(
      (await run('oras', ['discover', '--plain-http', '--format', 'json', ref])).stdout,
    ) as { referrers?: Descriptor[]; manifests?: Descriptor[] };
    const referrers = discovered.referrers ?? discovered.manifests ?? [];
    expect(referrers.map((r) => r.digest)).toEqual([attached.digest]);
    expect(referrers[0]?.artifactType).toBe('application/vnd.crowsnest.sbom.v1');

    if (reg.kind === 'crowsnest') {
      // Crowsnest implements the referrers API itself (distribution 2.8 makes oras fall back to tags).
      const res = await fetch(`${reg.url}/v2/e2e/artifact/referrers/${pushed.digest}?artifactType=application/vnd.crowsnest.sbom.v1`, { headers: { Authorization: E2E_ADMIN_AUTH } });
      expect(res.status).toBe(200);
      const index = (await res.json()) as { manifests: Descriptor[] };
      expect(index.manifests.map((m) => m.digest)).toEqual([attached.digest]);
    }

    const out = join(work, 'out');
    await run('oras', ['pull', '--plain-http', '-o', out, ref], opts);
    expect(readFileSync(join(out, 'payload.txt'), 'utf8')).toBe(payload);
  });
});
