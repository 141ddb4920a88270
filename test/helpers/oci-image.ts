/**
 * Builds small test images locally (no network pulls): gzip tar layers of random data, an OCI config and
 * manifest, multi-platform indexes, written as OCI image layouts that skopeo, crane, oras and umoci read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

export interface Blob {
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
  readonly data: Buffer;
}

export interface BuiltImage {
  readonly manifest: Blob;
  readonly config: Blob;
  readonly layers: readonly Blob[];
  readonly platform: { architecture: string; os: string };
}

export interface BuiltIndex {
  readonly index: Blob;
  readonly images: readonly BuiltImage[];
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

export function blobOf(data: Buffer, mediaType: string): Blob {
  return { digest: `sha256:${createHash('sha256').update(data).digest('hex')}`, size: data.length, mediaType, data };
}

/** An uncompressed tar holding `files` (path → content). */
export async function tarOf(files: Record<string, Buffer>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    p.on('data', (c: unknown) => chunks.push(c as Buffer));
    p.on('end', () => resolve(Buffer.concat(chunks)));
    p.on('error', reject);
  });
  for (const [name, content] of Object.entries(files)) {
    p.entry({ name, size: content.length, mode: 0o644, mtime: new Date(0) }, content);
  }
  p.finalize();
  return done;
}

/**
 * An image with `layerCount` layers of `layerSize` random (incompressible) bytes each; random data makes
 * every build unique, so repeated test runs never collide on digests.
 */
export async function buildImage(
  opts: { layerCount?: number; layerSize?: number; architecture?: string; os?: string } = {},
): Promise<BuiltImage> {
  const layerCount = opts.layerCount ?? 3;
  const layerSize = opts.layerSize ?? 64 * 1024;
  const platform = { architecture: opts.architecture ?? 'amd64', os: opts.os ?? 'linux' };
  const layers: Blob[] = [];
  const diffIds: string[] = [];
  for (let i = 0; i < layerCount; i++) {
    const tar = await tarOf({ [`layer${i}/data.bin`]: randomBytes(layerSize) });
    diffIds.push(`sha256:${createHash('sha256').update(tar).digest('hex')}`);
    layers.push(blobOf(gzipSync(tar, { level: 1 }), OCI_LAYER));
  }
  const config = blobOf(
    Buffer.from(
      JSON.stringify({
        ...platform,
        created: '2024-01-01T00:00:00Z',
        config: { Cmd: ['/layer0/data.bin'] },
        rootfs: { type: 'layers', diff_ids: diffIds },
        history: diffIds.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'crowsnest test builder' })),
      }),
    ),
    OCI_CONFIG,
  );
  const manifest = blobOf(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
      }),
    ),
    OCI_MANIFEST,
  );
  return { manifest, config, layers, platform };
}

/** A multi-platform index over freshly built images, one per `arch`. */
export async function buildIndex(archs: readonly string[] = ['amd64', 'arm64'], layerCount = 2): Promise<BuiltIndex> {
  const images: BuiltImage[] = [];
  for (const architecture of archs) images.push(await buildImage({ architecture, layerCount, layerSize: 16 * 1024 }));
  const index = blobOf(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: images.map((img) => ({
          mediaType: img.manifest.mediaType,
          digest: img.manifest.digest,
          size: img.manifest.size,
          platform: img.platform,
        })),
      }),
    ),
    OCI_INDEX,
  );
  return { index, images };
}

function writeBlob(dir: string, b: Blob): void {
  const [alg, hex] = b.digest.split(':') as [string, string];
  mkdirSync(join(dir, 'blobs', alg), { recursive: true });
  writeFileSync(join(dir, 'blobs', alg, hex), b.data);
}

/** Writes an OCI image layout at `dir` whose index.json names `top` (manifest or index) as `tag`. */
export function writeOciLayout(dir: string, what: BuiltImage | BuiltIndex, tag = 'latest'): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const images = 'index' in what ? what.images : [what];
  for (const img of images) {
    for (const b of [img.config, ...img.layers, img.manifest]) writeBlob(dir, b);
  }
  const top = 'index' in what ? what.index : what.manifest;
  writeBlob(dir, top);
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        {
          mediaType: top.mediaType,
          digest: top.digest,
          size: top.size,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return top.digest;
}

/**
 * A `docker save`-style tarball (manifest.json + config + uncompressed layer tars) for `docker load`;
 * returns the image id docker will report (the config digest).
 */
export async function dockerArchive(img: BuiltImage, repoTag: string): Promise<{ tar: Buffer; id: string }> {
  const { gunzipSync } = await import('node:zlib');
  const files: Record<string, Buffer> = {};
  const layerPaths: string[] = [];
  img.layers.forEach((l, i) => {
    const path = `layer${i}/layer.tar`;
    files[path] = gunzipSync(l.data);
    layerPaths.push(path);
  });
  const cfgName = `${img.config.digest.slice('sha256:'.length)}.json`;
  files[cfgName] = img.config.data;
  files['manifest.json'] = Buffer.from(JSON.stringify([{ Config: cfgName, RepoTags: [repoTag], Layers: layerPaths }]));
  return { tar: await tarOf(files), id: img.config.digest };
}
