/**
 * Builds synthetic tar layers (plain, gzip, zstd) from `{path: content | special}` maps for tests,
 * so layer reading and catalogers can be exercised without docker. zstd is produced with the
 * `zstd` CLI when present (fzstd only decompresses).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

export interface BuiltBlob {
  readonly digest: string;
  readonly size: number;
  readonly bytes: Buffer;
}

export function blobOf(bytes: Uint8Array | string): BuiltBlob {
  const b = Buffer.from(bytes);
  return { digest: `sha256:${createHash('sha256').update(b).digest('hex')}`, size: b.length, bytes: b };
}

export interface ImageSpec {
  /** Compressed (or plain) layer blobs, lowest first. */
  readonly layers: readonly Buffer[];
  readonly env?: readonly string[];
  /** History entries; defaults to one `created_by: layer <i>` per layer. */
  readonly history?: readonly { created_by?: string; empty_layer?: boolean }[];
  readonly os?: string;
  readonly architecture?: string;
}

export interface BuiltImage {
  readonly config: BuiltBlob;
  readonly manifest: BuiltBlob;
  readonly layers: readonly BuiltBlob[];
}

/** Builds an OCI config + manifest for the given layers (layer media type: gzip, regardless of bytes). */
export function buildImage(spec: ImageSpec): BuiltImage {
  const layers = spec.layers.map((l) => blobOf(l));
  const config = blobOf(
    JSON.stringify({
      architecture: spec.architecture ?? 'amd64',
      os: spec.os ?? 'linux',
      config: { Env: spec.env ?? ['PATH=/usr/bin'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      history: spec.history ?? layers.map((_, i) => ({ created_by: `layer ${i}` })),
    }),
  );
  const manifest = blobOf(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    }),
  );
  return { config, manifest, layers };
}

/** Builds an OCI image index over several images. */
export function buildIndex(entries: readonly { image: BuiltImage; os: string; architecture: string }[]): BuiltBlob {
  return blobOf(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: entries.map((e) => ({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: e.image.manifest.digest,
        size: e.image.manifest.size,
        platform: { os: e.os, architecture: e.architecture },
      })),
    }),
  );
}

/** Writes an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`) into `dir`. */
export function writeOciLayout(dir: string, root: BuiltBlob, blobs: readonly BuiltBlob[], tag = 'latest', rootMediaType = 'application/vnd.oci.image.manifest.v1+json'): void {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  for (const b of [root, ...blobs]) writeFileSync(join(dir, 'blobs', 'sha256', b.digest.slice(7)), b.bytes);
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: rootMediaType, digest: root.digest, size: root.size, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
}
