/**
 * Resolves an image from blobs: index (OCI or Docker manifest list) → platform manifests (linux/amd64
 * first, non-Linux flagged unsupported) → config (env, history mapped to layer indexes) → layers in
 * order. Blob access is injected, so it works over the BlobStore and over an `oci:DIR` layout alike.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ManifestInvalidError, ManifestUnknownError } from '../core/errors.js';

export interface BlobSource {
  open(digest: string): Promise<Readable>;
  readSmall(digest: string): Promise<Uint8Array>;
}

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface PlatformManifest {
  readonly digest: string;
  readonly platform: Platform | undefined;
  /** Only Linux images can be analyzed. */
  readonly supported: boolean;
}

export interface LayerRef {
  readonly index: number;
  readonly digest: string;
  readonly size: number;
  readonly mediaType: string;
  /** The `created_by` of the history entry that produced this layer, when known. */
  readonly createdBy: string | undefined;
}

export interface ResolvedImage {
  readonly manifestDigest: string;
  readonly configDigest: string;
  readonly platform: Platform | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly layers: readonly LayerRef[];
}

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

function parseJson(bytes: Uint8Array, what: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through to the typed error
  }
  throw new ManifestInvalidError(`${what} is not a JSON object`);
}

function descriptors(v: unknown, what: string): Descriptor[] {
  if (!Array.isArray(v)) throw new ManifestInvalidError(`${what} missing`);
  return v.map((d: unknown) => {
    const o = d as Descriptor | null;
    if (typeof o?.digest !== 'string') throw new ManifestInvalidError(`${what}: descriptor without digest`);
    return o;
  });
}

function isIndex(doc: Record<string, unknown>): boolean {
  return (typeof doc.mediaType === 'string' && INDEX_TYPES.has(doc.mediaType)) || Array.isArray(doc.manifests);
}

function rank(p: Platform | undefined): number {
  if (p?.os !== 'linux') return 3;
  return p.architecture === 'amd64' ? 0 : p.architecture === 'arm64' ? 1 : 2;
}

/** Lists the platform manifests of `digest` (itself when it is a single manifest), best first. */
export async function listPlatforms(src: BlobSource, digest: string): Promise<PlatformManifest[]> {
  const doc = parseJson(await src.readSmall(digest), 'manifest');
  if (!isIndex(doc)) return [{ digest, platform: undefined, supported: true }];
  return descriptors(doc.manifests, 'index.manifests')
    // Attestation manifests (buildkit) carry platform unknown/unknown; they are not images.
    .filter((d) => d.platform?.os !== 'unknown')
    .map((d) => ({ digest: d.digest, platform: d.platform, supported: d.platform === undefined || d.platform.os === 'linux' }))
    .sort((a, b) => rank(a.platform) - rank(b.platform));
}

/** Reads a single-platform manifest and its config. */
export async function resolveImage(src: BlobSource, manifestDigest: string, platform?: Platform): Promise<ResolvedImage> {
  const doc = parseJson(await src.readSmall(manifestDigest), 'manifest');
  if (isIndex(doc)) throw new ManifestInvalidError('expected an image manifest, got an index');
  const cfgDesc = doc.config as Descriptor | undefined;
  if (typeof cfgDesc?.digest !== 'string') throw new ManifestInvalidError('manifest without config');
  const layerDescs = descriptors(doc.layers, 'manifest.layers');
  const cfg = parseJson(await src.readSmall(cfgDesc.digest), 'config');
  const inner = (cfg.config ?? {}) as { Env?: unknown };
  const env: Record<string, string> = {};
  if (Array.isArray(inner.Env)) {
    for (const kv of inner.Env) {
      if (typeof kv !== 'string') continue;
      const i = kv.indexOf('=');
      if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    }
  }
  // History entries with empty_layer produce no layer; the rest map to layers in order.
  const createdBy: (string | undefined)[] = [];
  if (Array.isArray(cfg.history)) {
    for (const h of cfg.history as { created_by?: unknown; empty_layer?: unknown }[]) {
      if (h?.empty_layer === true) continue;
      createdBy.push(typeof h?.created_by === 'string' ? h.created_by : undefined);
    }
  }
  const cfgPlatform =
    typeof cfg.os === 'string' && typeof cfg.architecture === 'string'
      ? { os: cfg.os, architecture: cfg.architecture }
      : undefined;
  return {
    manifestDigest,
    configDigest: cfgDesc.digest,
    platform: platform ?? cfgPlatform,
    env,
    layers: layerDescs.map((d, index) => ({
      index,
      digest: d.digest,
      size: d.size ?? 0,
      mediaType: d.mediaType ?? '',
      createdBy: createdBy[index],
    })),
  };
}

/** A BlobSource over an OCI image layout directory (`oci:DIR`). */
export function ociLayoutSource(dir: string, maxSmallBytes = 4 * 1024 * 1024): BlobSource {
  const pathOf = (digest: string): string => {
    const m = /^([a-z0-9]+):([a-f0-9]{32,128})$/.exec(digest);
    if (!m?.[1] || !m[2]) throw new ManifestInvalidError(`bad digest ${digest}`);
    return join(dir, 'blobs', m[1], m[2]);
  };
  return {
    open: (digest) => Promise.resolve(createReadStream(pathOf(digest), { highWaterMark: 1024 * 1024 })),
    readSmall: async (digest) => {
      const b = await readFile(pathOf(digest));
      if (b.length > maxSmallBytes) throw new ManifestInvalidError(`${digest} larger than ${maxSmallBytes} bytes`);
      return b;
    },
  };
}

/** Finds the manifest digest for `oci:DIR[:TAG]` in the layout's index.json (first one without a tag). */
export async function ociLayoutRoot(dir: string, tag?: string): Promise<string> {
  const index = parseJson(await readFile(join(dir, 'index.json')), 'index.json');
  const ds = descriptors(index.manifests, 'index.json manifests');
  const hit =
    tag === undefined ? ds[0] : ds.find((d) => d.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!hit) throw new ManifestUnknownError(tag ?? '(first)');
  return hit.digest;
}
