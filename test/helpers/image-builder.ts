/**
 * Builds synthetic tar layers (plain, gzip, zstd) from `{path: content | special}` maps for tests,
 * so layer reading and catalogers can be exercised without docker. zstd is produced with the
 * `zstd` CLI when present (fzstd only decompresses).
 */
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';

export type LayerSpecEntry =
  | string
  | Uint8Array
  | { type: 'file'; content: string | Uint8Array; mode?: number }
  | { type: 'symlink'; target: string }
  | { type: 'hardlink'; target: string }
  | { type: 'dir'; mode?: number }
  | { type: 'whiteout' }
  | { type: 'opaque' };

export type LayerSpec = Record<string, LayerSpecEntry>;

/** Builds an uncompressed tar; paths are written as given (tests can include `../`). */
export async function buildTar(spec: LayerSpec): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const [name, e] of Object.entries(spec)) {
    if (typeof e === 'string' || e instanceof Uint8Array) {
      pack.entry({ name, mode: 0o644 }, Buffer.from(e));
    } else if (e.type === 'file') {
      pack.entry({ name, mode: e.mode ?? 0o644 }, Buffer.from(e.content));
    } else if (e.type === 'symlink') {
      pack.entry({ name, type: 'symlink', linkname: e.target });
    } else if (e.type === 'hardlink') {
      pack.entry({ name, type: 'link', linkname: e.target });
    } else if (e.type === 'dir') {
      pack.entry({ name, type: 'directory', mode: e.mode ?? 0o755 });
    } else if (e.type === 'whiteout') {
      const i = name.lastIndexOf('/');
      pack.entry({ name: `${name.slice(0, i + 1)}.wh.${name.slice(i + 1)}` }, '');
    } else {
      pack.entry({ name: `${name.replace(/\/$/, '')}/.wh..wh..opq` }, '');
    }
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function gzip(data: Uint8Array): Buffer {
  return gzipSync(data);
}

/** zstd-compresses with the `zstd` CLI; throws when it is not installed. */
export function zstd(data: Uint8Array): Buffer {
  return execFileSync('zstd', ['-q', '-c', '-3'], { input: data, maxBuffer: 1 << 30 });
}

export function hasZstdCli(): boolean {
  try {
    execFileSync('zstd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function buildLayer(spec: LayerSpec, compression: 'gzip' | 'zstd' | 'none' = 'gzip'): Promise<Buffer> {
  const tar = await buildTar(spec);
  return compression === 'gzip' ? gzip(tar) : compression === 'zstd' ? zstd(tar) : tar;
}
