/**
 * Auth end to end with skopeo against a Crowsnest process: push with --creds (Basic challenge answered
 * through the Docker token flow), a second user's push refused with nothing written, and an anonymous
 * pull of a repository made public through the REST API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunE2E, fetchManifest, run } from '../../helpers/e2e.js';
import { buildImage, writeOciLayout } from '../../helpers/oci-image.js';
import { E2E_ADMIN, E2E_ADMIN_AUTH, e2eTarget, startRegistry, type RegistryProcess } from '../../helpers/registry-process.js';

// Accounts are Crowsnest's own: the reference registry has none.
const enabled = e2eTarget() === 'crowsnest' && canRunE2E('skopeo');
const NO_AUTH_FILE = { REGISTRY_AUTH_FILE: '/nonexistent/auth.json', DOCKER_CONFIG: '/nonexistent' };

describe.skipIf(!enabled)('skopeo with auth end to end', () => {
  let reg: RegistryProcess;
  let work: string;
  const tls = ['--src-tls-verify=false', '--dest-tls-verify=false'];

  beforeAll(async () => {
    reg = await startRegistry({ kind: 'crowsnest' });
    work = mkdtempSync(join(tmpdir(), 'e2e-skopeo-auth-'));
    const res = await fetch(`${reg.url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: E2E_ADMIN_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'mallory', password: 'mallory-password' }),
    });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('pushes with --creds through the token flow, refuses strangers and serves public pulls anonymously', async () => {
    const img = await buildImage({ layerCount: 2 });
    const src = join(work, 'img');
    writeOciLayout(src, img, 'v1');

    // Without credentials the push is refused.
    await expect(run('skopeo', ['copy', ...tls, `oci:${src}:v1`, `docker://${reg.host}/admin/app:v1`], { env: NO_AUTH_FILE })).rejects.toThrow(/unauthorized|authentication required/i);
    await run('skopeo', ['copy', ...tls, '--dest-creds', `${E2E_ADMIN.username}:${E2E_ADMIN.password}`, '--preserve-digests', `oci:${src}:v1`, `docker://${reg.host}/admin/app:v1`], {
      env: NO_AUTH_FILE,
    });
    expect((await fetchManifest(reg.url, 'admin/app', 'v1')).digest).toBe(img.manifest.digest);

    // mallory may not write into admin's namespace: denied, and nothing lands.
    await expect(
      run('skopeo', ['copy', ...tls, '--dest-creds', 'mallory:mallory-password', `oci:${src}:v1`, `docker://${reg.host}/admin/app:evil`], { env: NO_AUTH_FILE }),
    ).rejects.toThrow(/denied|403 \(Forbidden\)/i);
    expect((await fetchManifest(reg.url, 'admin/app', 'evil')).status).toBe(404);

    // Private: an anonymous pull is refused; public: it works.
    const out = join(work, 'pulled');
    await expect(run('skopeo', ['copy', ...tls, `docker://${reg.host}/admin/app:v1`, `oci:${out}:v1`], { env: NO_AUTH_FILE })).rejects.toThrow();
    const patch = await fetch(`${reg.url}/api/v1/repositories/admin/app`, {
      method: 'PATCH',
      headers: { authorization: E2E_ADMIN_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ visibility: 'public' }),
    });
    expect(patch.status).toBe(200);
    await run('skopeo', ['copy', ...tls, '--preserve-digests', `docker://${reg.host}/admin/app:v1`, `oci:${out}:v1`], { env: NO_AUTH_FILE });
    const inspect = JSON.parse((await run('skopeo', ['inspect', '--tls-verify=false', `oci:${out}:v1`])).stdout) as { Digest: string };
    expect(inspect.Digest).toBe(img.manifest.digest);
  });
});
