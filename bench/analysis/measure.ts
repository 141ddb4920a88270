/**
 * Measurements shared by the analysis benchmarks: the decompress-only floor of an OCI layout, a
 * command's wall time and peak RSS (GNU time), and where syft is installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

export interface Timed {
  readonly seconds: number;
  readonly rssMiB: number | undefined;
  readonly ok: boolean;
  readonly stdout: string;
}

function layoutLayers(dir: string): string[] {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const manifest = JSON.parse(readFileSync(join(dir, 'blobs', 'sha256', index.manifests[0]?.digest.slice(7) ?? ''), 'utf8')) as { layers: { digest: string }[] };
  return manifest.layers.map((l) => join(dir, 'blobs', 'sha256', l.digest.slice(7)));
}

/** Seconds to merely gunzip every layer of the layout one after the other (1 MiB reads, 256 KiB inflate chunks: zlib's best case). */
export async function floorSeconds(dir: string): Promise<number> {
  const t = process.hrtime.bigint();
  for (const layer of layoutLayers(dir)) {
    await pipeline(createReadStream(layer, { highWaterMark: 1024 * 1024 }), createGunzip({ chunkSize: 256 * 1024 }), new Writable({ write: (_c, _e, cb) => cb() }));
  }
  return Number(process.hrtime.bigint() - t) / 1e9;
}

export function timed(cmd: string, args: string[], keepStdout = false): Timed {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'], maxBuffer: 1024 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  const kb = Number(r.stderr.toString().trim().split('\n').pop());
  return { seconds, rssMiB: Number.isFinite(kb) ? kb / 1024 : undefined, ok: r.status === 0, stdout: keepStdout ? r.stdout.toString() : '' };
}

export function findSyft(): string | undefined {
  for (const p of [join(homedir(), 'go', 'bin', 'syft'), '/usr/local/bin/syft']) if (existsSync(p)) return p;
  try {
    return execFileSync('which', ['syft']).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}
