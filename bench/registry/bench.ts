/**
 * Benchmarks Crowsnest against the CNCF distribution registry, both on loopback: push and pull time of a
 * ~1 GiB multi-layer image of random (incompressible) data with skopeo, manifest GET throughput and p99
 * latency at 64 connections with wrk, and each server's peak RSS (VmHWM) over the push. Run via run.sh.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomFillSync } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import { findTool } from '../../test/helpers/tools.js';
import { startRegistry, type RegistryKind, type RegistryProcess } from '../../test/helpers/registry-process.js';

const MiB = 1024 * 1024;
const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 1024);
const layerCount = Number(process.env.BENCH_LAYERS ?? 8);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);

interface Desc {
  mediaType: string;
  digest: string;
  size: number;
}

/** Streams one gzip'd tar layer of `bytes` random bytes into the layout, hashing as it goes. */
async function writeLayer(blobs: string, bytes: number, index: number): Promise<{ desc: Desc; diffId: string }> {
  const tmp = join(blobs, `.tmp-${index}`);
  const p = pack();
  const compressed = createHash('sha256');
  const uncompressed = createHash('sha256');
  let size = 0;
  const tapTar = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      uncompressed.update(chunk);
      cb(null, chunk);
    },
  });
  const tapGz = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      compressed.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const done = pipeline(p, tapTar, createGzip({ level: 1 }), tapGz, createWriteStream(tmp));
  const entry = p.entry({ name: `layer${index}.bin`, size: bytes, mode: 0o644, mtime: new Date(0) });
  const chunk = Buffer.alloc(4 * MiB);
  for (let left = bytes; left > 0; left -= chunk.length) {
    const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
    randomFillSync(part);
    if (!entry.write(Buffer.from(part))) await new Promise<void>((r) => entry.once('drain', () => r()));
  }
  (entry as unknown as NodeJS.WritableStream).end();
  p.finalize();
  await done;
  const hex = compressed.digest('hex');
  renameSync(tmp, join(blobs, hex));
  return {
    desc: { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${hex}`, size },
    diffId: `sha256:${uncompressed.digest('hex')}`,
  };
}

function writeJsonBlob(blobs: string, value: unknown, mediaType: string): Desc {
  const data = Buffer.from(JSON.stringify(value));
  const hex = createHash('sha256').update(data).digest('hex');
  writeFileSync(join(blobs, hex), data);
  return { mediaType, digest: `sha256:${hex}`, size: data.length };
}

/** Builds (once, cached by size) an OCI layout holding the benchmark image tagged `bench`. */
async function benchImage(): Promise<string> {
  const dir = join(process.env.BENCH_CACHE ?? tmpdir(), `crowsnest-bench-${sizeMiB}m-${layerCount}l`);
  if (existsSync(join(dir, 'index.json'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  console.log(`generating a ${sizeMiB} MiB image in ${layerCount} layers at ${dir} …`);
  const layers: Desc[] = [];
  const diffIds: string[] = [];
  for (let i = 0; i < layerCount; i++) {
    const { desc, diffId } = await writeLayer(blobs, Math.floor((sizeMiB * MiB) / layerCount), i);
    layers.push(desc);
    diffIds.push(diffId);
  }
  const config = writeJsonBlob(
    blobs,
    { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } },
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = writeJsonBlob(
    blobs,
    { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers },
    'application/vnd.oci.image.manifest.v1+json',
  );
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }],
    }),
  );
  return dir;
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m?.[1] ? Number(m[1]) / 1024 : Number.NaN;
}

// Always asynchronous: the servers' logs are piped into this process, and a blocked event loop would
// stall them on a full pipe and skew every figure.
const exec = promisify(execFile);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function skopeo(args: string[]): Promise<void> {
  await exec(findTool('skopeo') ?? 'skopeo', args, { maxBuffer: 16 * MiB });
}

/** wrk latency string ("1.23ms", "850.00us", "1.01s") in milliseconds. */
function ms(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!m?.[1]) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

interface Result {
  pushS: number;
  pullS: number;
  rps: number;
  p99Ms: number;
  peakRssMiB: number;
}

async function measure(kind: RegistryKind, layout: string): Promise<Result> {
  const reg: RegistryProcess = await startRegistry({ kind, timeoutMs: 30_000 });
  const work = mkdtempSync(join(tmpdir(), `bench-${kind}-`));
  try {
    const ref = `docker://${reg.host}/bench/big:v1`;
    const pushS = await timed(() => skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:bench`, ref]));
    const peak = peakRssMiB(reg.pid);
    const pullS = await timed(() => skopeo(['copy', '--src-tls-verify=false', ref, `oci:${join(work, 'pulled')}:bench`]));
    const { stdout: out } = await exec(
      findTool('wrk') ?? 'wrk',
      [
        '-t', '2', '-c', String(connections), '-d', `${seconds}s`, '--latency',
        '-H', 'Accept: application/vnd.oci.image.manifest.v1+json',
        `${reg.url}/v2/bench/big/manifests/v1`,
      ],
      { encoding: 'utf8', maxBuffer: 16 * MiB },
    );
    if (process.env.BENCH_VERBOSE) console.log(`${kind} wrk:\n${out}`);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
    const p99Ms = ms(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
    if (/Non-2xx or 3xx responses/.test(out)) console.warn(`${kind}: wrk saw error responses:\n${out}`);
    return { pushS, pullS, rps, p99Ms, peakRssMiB: peak };
  } finally {
    await reg.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function summarize(results: Result[]): Result {
  return {
    pushS: median(results.map((r) => r.pushS)),
    pullS: median(results.map((r) => r.pullS)),
    rps: median(results.map((r) => r.rps)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    peakRssMiB: Math.max(...results.map((r) => r.peakRssMiB)),
  };
}

async function main(): Promise<void> {
  const layout = await benchImage();
  // BENCH_TARGETS=distribution checks the harness alone; the comparison needs both.
  const kinds = (process.env.BENCH_TARGETS ?? 'crowsnest,distribution').split(',') as RegistryKind[];
  // The machine is shared: rounds alternate which server goes first, and each figure is the
  // median over rounds (peak RSS: the maximum), so background load hits both sides alike.
  const runs = new Map<RegistryKind, Result[]>(kinds.map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? kinds : [...kinds].reverse();
    for (const kind of order) runs.get(kind)?.push(await measure(kind, layout));
  }
  const results: Result[] = kinds.map((kind) => summarize(runs.get(kind) ?? []));
  const both = results.length === 2;
  const cols = (xs: string[]): string => xs.map((x) => x.padStart(16)).join('');
  const row = (name: string, pick: (r: Result) => number, unit: string, digits = 2): string => {
    const values = results.map(pick);
    const cells = values.map((v) => v.toFixed(digits) + unit);
    if (both && values[0] !== undefined && values[1] !== undefined) cells.push((values[0] / values[1]).toFixed(2));
    return name.padEnd(26) + cols(cells);
  };
  console.log(`\nimage: ${sizeMiB} MiB in ${layerCount} layers; manifest GET: ${connections} connections for ${seconds}s (wrk); median of ${rounds} rounds`);
  console.log(''.padEnd(26) + cols([...kinds, ...(both ? ['ratio'] : [])]));
  console.log(row('push (skopeo)', (r) => r.pushS, ' s'));
  console.log(row('pull (skopeo)', (r) => r.pullS, ' s'));
  console.log(row('manifest GET throughput', (r) => r.rps, ' r/s', 0));
  console.log(row('manifest GET p99', (r) => r.p99Ms, ' ms'));
  console.log(row('peak RSS during push', (r) => r.peakRssMiB, ' MiB', 0));
}

await main();
