/**
 * The registry on PostgreSQL (--database postgres://…) and S3 (MinIO, --storage s3://…): skopeo
 * pushes and pulls with identical digests, a second server process on the same database and
 * bucket serves everything the first one stored, and with `redirect=` blob downloads are sent to
 * presigned bucket URLs (which skopeo follows).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunE2E, fetchManifest, run } from '../helpers/e2e.js';
import { buildImage, writeOciLayout } from '../helpers/oci-image.js';
import { hasPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { hasMinio, startMinio, type S3Server } from '../helpers/s3.js';
import { E2E_ADMIN_AUTH, startRegistry } from '../helpers/registry-process.js';

const enabled = canRunE2E('skopeo') && hasPostgres() && hasMinio();

describe.skipIf(!enabled)('registry on PostgreSQL and S3', () => {
  let pg: PostgresServer;
  let s3: S3Server;
  let work: string;
  const tls = ['--src-tls-verify=false', '--dest-tls-verify=false'];

  beforeAll(async () => {
    pg = await startPostgres();
    s3 = await startMinio();
    work = mkdtempSync(join(tmpdir(), 'e2e-pg-'));
  });
  afterAll(async () => {
    await pg?.stop();
    await s3?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('pushes and pulls through one process and serves the same data from another', async () => {
    const url = await pg.createDatabase();
    const bucket = await s3.createBucket();
    const env = { ...s3.env, CROWSNEST_DATABASE_URL: url, CROWSNEST_STORAGE: `s3://${bucket}/registry?endpoint=${s3.endpoint}` };
    const first = await startRegistry({ kind: 'crowsnest', env, dataDir: join(work, 'a') });
    const img = await buildImage({ layerCount: 3 });
    try {
      const src = join(work, 'img');
      writeOciLayout(src, img, 'v1');
      await run('skopeo', ['copy', ...tls, '--preserve-digests', `oci:${src}:v1`, `docker://${first.host}/pg/app:v1`]);
      const got = await fetchManifest(first.url, 'pg/app', 'v1');
      expect(got.digest).toBe(img.manifest.digest);
    } finally {
      await first.stop();
    }
    const second = await startRegistry({ kind: 'crowsnest', env, dataDir: join(work, 'b') });
    try {
      const got = await fetchManifest(second.url, 'pg/app', 'v1');
      expect(got.status).toBe(200);
      expect(got.digest).toBe(img.manifest.digest);
      const tags = (await (await fetch(`${second.url}/v2/pg/app/tags/list`, { headers: { Authorization: E2E_ADMIN_AUTH } })).json()) as { tags: string[] };
      expect(tags.tags).toEqual(['v1']);
      const out = join(work, 'out');
      await run('skopeo', ['copy', ...tls, `docker://${second.host}/pg/app:v1`, `oci:${out}:v1`]);
      const pulled = await fetchManifest(second.url, 'pg/app', img.manifest.digest);
      expect(pulled.status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  it('redirects blob GETs to presigned bucket URLs when the storage URL asks for it', async () => {
    const url = await pg.createDatabase();
    const bucket = await s3.createBucket();
    const env = { ...s3.env, CROWSNEST_DATABASE_URL: url, CROWSNEST_STORAGE: `s3://${bucket}/registry?endpoint=${s3.endpoint}&redirect=5m` };
    const reg = await startRegistry({ kind: 'crowsnest', env, dataDir: join(work, 'redirect') });
    const img = await buildImage({ layerCount: 2 });
    try {
      const src = join(work, 'img-redirect');
      writeOciLayout(src, img, 'v1');
      await run('skopeo', ['copy', ...tls, '--preserve-digests', `oci:${src}:v1`, `docker://${reg.host}/pg/redirect:v1`]);
      const layer = img.layers[0];
      if (!layer) throw new Error('image without layers');
      const auth = { Authorization: E2E_ADMIN_AUTH };
      const res = await fetch(`${reg.url}/v2/pg/redirect/blobs/${layer.digest}`, { headers: auth, redirect: 'manual' });
      expect(res.status).toBe(307);
      const location = res.headers.get('location') ?? '';
      expect(location.startsWith(s3.endpoint)).toBe(true);
      expect(location).toContain('X-Amz-Signature=');
      const bytes = Buffer.from(await (await fetch(location)).arrayBuffer());
      expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(layer.digest);
      const part = await fetch(location, { headers: { Range: 'bytes=0-9' } });
      expect(part.status).toBe(206);
      expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(0, 10))).toBe(true);
      // HEAD is still answered by the registry; a repository that does not hold the blob gets no URL.
      const head = await fetch(`${reg.url}/v2/pg/redirect/blobs/${layer.digest}`, { method: 'HEAD', headers: auth, redirect: 'manual' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(bytes.length));
      const other = await fetch(`${reg.url}/v2/pg/elsewhere/blobs/${layer.digest}`, { headers: auth, redirect: 'manual' });
      expect(other.status).toBe(404);
      const out = join(work, 'out-redirect');
      await run('skopeo', ['copy', ...tls, `docker://${reg.host}/pg/redirect:v1`, `oci:${out}:v1`]);
      for (const l of img.layers) expect(existsSync(join(out, 'blobs', 'sha256', l.digest.slice('sha256:'.length)))).toBe(true);
    } finally {
      await reg.stop();
    }
  });
});
