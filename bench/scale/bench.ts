/**
 * Scale-out benchmark: the same images analyzed by 1 and by 2 worker processes (images per minute),
 * and pushed through 1 and 2 server processes (images per minute, pushes spread round-robin), on one
 * PostgreSQL + S3 (MinIO) per run. Each image carries the host's real dpkg database and a layer of
 * random bytes, so analysis reads real package data and the layer stream has real size.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buildImage, buildLayer, type BuiltImage } from '../../test/helpers/image-builder.js';
import { startPostgres, type PostgresServer } from '../../test/helpers/postgres.js';
import { startRegistry, startWorkerProcess, type RegistryProcess, type WorkerProcess } from '../../test/helpers/registry-process.js';
import { startMinio, type S3Server } from '../../test/helpers/s3.js';

const imageCount = Number(process.env.BENCH_IMAGES ?? 24);
const layerMiB = Number(process.env.BENCH_LAYER_MIB ?? 8);

async function images(): Promise<BuiltImage[]> {
  const status = readFileSync('/var/lib/dpkg/status');
  const out: BuiltImage[] = [];
  for (let i = 0; i < imageCount; i++) {
    out.push(
      await buildImage({
        layers: [
          await buildLayer({ 'etc/os-release': 'ID=debian\nVERSION_ID=12\n', 'var/lib/dpkg/status': status }),
          await buildLayer({ 'opt/data.bin': randomBytes(layerMiB * 1024 * 1024) }),
          await buildLayer({ [`usr/lib/python3/site-packages/app${i}-1.0.dist-info/METADATA`]: `Metadata-Version: 2.1\nName: app${i}\nVersion: 1.0\n` }),
        ],
        history: [{ created_by: 'ADD rootfs /' }, { created_by: 'COPY data /opt' }, { created_by: `RUN pip install app${i}` }],
      }),
    );
  }
  return out;
}

interface Setup {
  servers: RegistryProcess[];
  workers: WorkerProcess[];
  env: Record<string, string>;
  stop(): Promise<void>;
}

async function setup(pg: PostgresServer, s3: S3Server, serverCount: number): Promise<Setup> {
  const env = {
    ...s3.env,
    CROWSNEST_DATABASE_URL: await pg.createDatabase(),
    CROWSNEST_STORAGE: `s3://${await s3.createBucket()}/r?endpoint=${s3.endpoint}`,
    CROWSNEST_LOG_LEVEL: 'warn',
  };
  const servers: RegistryProcess[] = [];
  for (let i = 0; i < serverCount; i++) servers.push(await startRegistry({ kind: 'crowsnest', env, args: ['--no-workers'], timeoutMs: 60_000 }));
  const workers: WorkerProcess[] = [];
  return {
    servers,
    workers,
    env,
    async stop() {
      for (const w of workers) await w.stop();
      for (const s of servers) await s.stop();
    },
  };
}

/** Monolithic blob uploads (POST ?digest=) then the manifest: the simplest client, one request per blob. */
async function pushImage(url: string, repo: string, img: BuiltImage, tag: string): Promise<void> {
  for (const blob of [img.config, ...img.layers]) {
    const res = await fetch(`${url}/v2/${repo}/blobs/uploads/?digest=${encodeURIComponent(blob.digest)}`, {
      method: 'POST',
      body: blob.bytes,
      headers: { 'content-type': 'application/octet-stream' },
    });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`blob upload answered ${res.status}`);
  }
  const res = await fetch(`${url}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    body: img.manifest.bytes,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`manifest PUT answered ${res.status}`);
}

async function pushAll(urls: readonly string[], imgs: readonly BuiltImage[]): Promise<number> {
  const started = performance.now();
  await Promise.all(
    urls.map(async (url, lane) => {
      for (let i = lane; i < imgs.length; i += urls.length) {
        const img = imgs[i];
        if (img) await pushImage(url, 'bench/scale', img, `t${i}`);
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

async function analysisSeconds(pg: PostgresServer, s3: S3Server, imgs: readonly BuiltImage[], workerCount: number): Promise<number> {
  const s = await setup(pg, s3, 1);
  try {
    const url = s.servers[0]?.url ?? '';
    await pushAll([url], imgs);
    for (let i = 0; i < workerCount; i++) s.workers.push(startWorkerProcess(s.env));
    const started = performance.now();
    const put = await fetch(`${url}/api/v1/repositories/bench/scale/settings`, {
      method: 'PUT',
      body: JSON.stringify({ analysis: 'basic' }),
      headers: { 'content-type': 'application/json' },
    });
    if (put.status !== 200) throw new Error(`settings: ${put.status}`);
    for (let i = 0; i < 6000; i++) {
      const rows = (await (await fetch(`${url}/api/v1/repositories/bench/scale/tags`)).json()) as { analysis: { status: string } }[];
      if (rows.length === imgs.length && rows.every((r) => r.analysis.status === 'done' || r.analysis.status === 'failed')) {
        const failed = rows.filter((r) => r.analysis.status === 'failed').length;
        if (failed > 0) throw new Error(`${failed} analyses failed`);
        return (performance.now() - started) / 1000;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('analysis did not finish within 10 minutes');
  } finally {
    await s.stop();
  }
}

async function pushSeconds(pg: PostgresServer, s3: S3Server, imgs: readonly BuiltImage[], serverCount: number): Promise<number> {
  const s = await setup(pg, s3, serverCount);
  try {
    return await pushAll(s.servers.map((x) => x.url), imgs);
  } finally {
    await s.stop();
  }
}

async function main(): Promise<void> {
  const imgs = await images();
  const pg = await startPostgres();
  const s3 = await startMinio();
  try {
    const perMinute = (seconds: number) => (imgs.length / seconds) * 60;
    const a1 = await analysisSeconds(pg, s3, imgs, 1);
    const a2 = await analysisSeconds(pg, s3, imgs, 2);
    const p1 = await pushSeconds(pg, s3, imgs, 1);
    const p2 = await pushSeconds(pg, s3, imgs, 2);
    const row = (name: string, one: number, two: number) =>
      `${name.padEnd(34)}${perMinute(one).toFixed(1).padStart(12)}${perMinute(two).toFixed(1).padStart(12)}${(one / two).toFixed(2).padStart(10)}`;
    console.log(`\n${imgs.length} images (host dpkg database + ${layerMiB} MiB layer each) on PostgreSQL + MinIO`);
    console.log(`${''.padEnd(34)}${'1 process'.padStart(12)}${'2 processes'.padStart(12)}${'speed-up'.padStart(10)}`);
    console.log(row('analysis (images/min, workers)', a1, a2));
    console.log(row('push (images/min, servers)', p1, p2));
  } finally {
    await s3.stop();
    await pg.stop();
  }
}

await main();
