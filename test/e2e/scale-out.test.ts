/**
 * Scale-out (issue 9): two `serve --no-workers` processes and two `worker` processes on one
 * PostgreSQL and one S3 bucket. Images are pushed through both servers alternately — each layer's
 * chunked upload starts on one server and finishes on the other — and every image is analyzed
 * exactly once (one job, one attempt) with its SBOM served identically by both servers.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, buildLayer, type BuiltBlob, type BuiltImage } from '../helpers/image-builder.js';
import { hasPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { adminFetch, repoRoot, startRegistry, startWorkerProcess, type RegistryProcess, type WorkerProcess } from '../helpers/registry-process.js';
import { hasMinio, startMinio, type S3Server } from '../helpers/s3.js';
import { hasShared, sharedPath } from '../helpers/shared.js';

const enabled = hasPostgres() && hasMinio() && hasShared('data', 'osv', 'PyPI');


/** Starts the upload on `a`, sends the first half there, the rest (Content-Range) and the commit to `b`. */
async function pushBlobSplit(a: string, b: string, repo: string, blob: BuiltBlob): Promise<void> {
  const start = await adminFetch(`${a}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  expect(start.status).toBe(202);
  const location = start.headers.get('location') ?? '';
  const path = new URL(location, a).pathname;
  const half = Math.floor(blob.bytes.length / 2);
  const first = await adminFetch(`${a}${path}`, {
    method: 'PATCH',
    body: blob.bytes.subarray(0, half),
    headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${half - 1}` },
  });
  expect(first.status).toBe(202);
  const second = await adminFetch(`${b}${path}`, {
    method: 'PATCH',
    body: blob.bytes.subarray(half),
    headers: { 'content-type': 'application/octet-stream', 'content-range': `${half}-${blob.bytes.length - 1}` },
  });
  expect(second.status).toBe(202);
  const done = await adminFetch(`${b}${path}?digest=${encodeURIComponent(blob.digest)}`, { method: 'PUT' });
  expect(done.status).toBe(201);
}

async function image(n: number): Promise<BuiltImage> {
  return buildImage({
    layers: [
      await buildLayer({ 'etc/os-release': 'ID=debian\nVERSION_ID=12\n', 'filler.bin': Buffer.alloc(200_000 + n, n) }),
      await buildLayer({
        [`usr/lib/python3/site-packages/pkg${n}-1.${n}.dist-info/METADATA`]: `Metadata-Version: 2.1\nName: pkg${n}\nVersion: 1.${n}\n`,
        'usr/lib/python3/site-packages/Django-3.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: Django\nVersion: 3.0\n',
      }),
    ],
    history: [{ created_by: 'ADD rootfs /' }, { created_by: `RUN pip install pkg${n}` }],
  });
}

describe.skipIf(!enabled)('two servers and two workers on PostgreSQL + S3', () => {
  let pgServer: PostgresServer;
  let s3: S3Server;
  const servers: RegistryProcess[] = [];
  const workers: WorkerProcess[] = [];
  let dbUrl = '';
  let env: Record<string, string> = {};

  beforeAll(async () => {
    pgServer = await startPostgres();
    s3 = await startMinio();
    dbUrl = await pgServer.createDatabase();
    const bucket = await s3.createBucket();
    env = { ...s3.env, CROWSNEST_DATABASE_URL: dbUrl, CROWSNEST_STORAGE: `s3://${bucket}/r?endpoint=${s3.endpoint}` };
    for (let i = 0; i < 2; i++) servers.push(await startRegistry({ kind: 'crowsnest', env, args: ['--no-workers'] }));
    for (let i = 0; i < 2; i++) workers.push(startWorkerProcess(env));
  }, 120_000);
  afterAll(async () => {
    for (const w of workers) await w.stop();
    for (const s of servers) await s.stop();
    await s3?.stop();
    await pgServer?.stop();
  });

  it('analyzes every image pushed through either server exactly once and serves it from both', async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    const settings = await adminFetch(`${a}/api/v1/repositories/scale/app/settings`, {
      method: 'PUT',
      body: JSON.stringify({ analysis: 'advanced' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(settings.status).toBe(200);
    const images = await Promise.all([1, 2, 3, 4].map(image));
    for (const [i, img] of images.entries()) {
      const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
      for (const blob of [img.config, ...img.layers]) await pushBlobSplit(first, second, 'scale/app', blob);
      const put = await adminFetch(`${second}/v2/scale/app/manifests/t${i}`, {
        method: 'PUT',
        body: img.manifest.bytes,
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(put.status).toBe(201);
    }

    type TagRow = { name: string; digest: string; analysis: { status: string } };
    let rows: TagRow[] = [];
    for (let i = 0; i < 300; i++) {
      rows = (await (await adminFetch(`${b}/api/v1/repositories/scale/app/tags`)).json()) as TagRow[];
      if (rows.length === 4 && rows.every((r) => r.analysis.status === 'done' || r.analysis.status === 'failed')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows.map((r) => [r.name, r.analysis.status])).toEqual([0, 1, 2, 3].map((i) => [`t${i}`, 'done']));

    const client = new pg.Client({ connectionString: dbUrl });
    await client.connect();
    try {
      const jobs = await client.query<{ key: string; status: string; attempts: number; lease_owner: string | null }>(
        "SELECT key, status, attempts, lease_owner FROM jobs WHERE kind = 'analyze-image' ORDER BY key",
      );
      expect(jobs.rows.map((j) => j.key).sort()).toEqual(images.map((img) => img.manifest.digest).sort());
      for (const j of jobs.rows) expect([j.status, j.attempts]).toEqual(['done', 1]);
      const analyses = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM analyses');
      expect(analyses.rows[0]?.n).toBe(4);
    } finally {
      await client.end();
    }

    for (const [i, img] of images.entries()) {
      const [fromA, fromB] = await Promise.all(
        [a, b].map(async (base) => (await (await adminFetch(`${base}/api/v1/repositories/scale/app/tags/t${i}/sbom?format=json`)).json()) as { packages: { name: string; version: string }[] }),
      );
      expect(fromA).toEqual(fromB);
      expect(fromA?.packages.map((p) => `${p.name}@${p.version}`)).toContain(`pkg${i + 1}@1.${i + 1}`);
      const pulled = await adminFetch(`${a}/v2/scale/app/blobs/${img.layers[1]?.digest ?? ''}`);
      expect(Buffer.from(await pulled.arrayBuffer()).equals(Buffer.from(img.layers[1]?.bytes ?? []))).toBe(true);
    }

    // Vulnerability data loaded by the CLI into the shared database is picked up by a worker, which
    // re-evaluates the advanced repository; both servers then serve the new report.
    const imported = spawnSync(process.execPath, [join(repoRoot, 'bin', 'crowsnest.js'), 'db', 'import', sharedPath('data', 'osv', 'PyPI')], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(imported.status, imported.stderr).toBe(0);
    type Report = { summary: Record<string, number>; packages: { name: string; vulnerabilities: { id: string }[] }[] };
    const reportOf = async (base: string) => (await (await adminFetch(`${base}/api/v1/repositories/scale/app/tags/t0/vulnerabilities`)).json()) as Report;
    for (let i = 0; i < 150; i++) {
      const r = await reportOf(a);
      if ((r.packages.find((p) => p.name.toLowerCase() === 'django')?.vulnerabilities.length ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const [reportA, reportB] = await Promise.all([a, b].map(reportOf));
    const django = (r: Report | undefined) => r?.packages.find((p) => p.name.toLowerCase() === 'django')?.vulnerabilities.map((v) => v.id).sort();
    expect(django(reportA)?.length ?? 0).toBeGreaterThan(5);
    expect(django(reportB)).toEqual(django(reportA));
  });
});
