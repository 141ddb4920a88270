/**
 * Turns every kind of image the engine reads into AnalysisInputs: a BlobSource (the registry's
 * BlobStore, an `oci:DIR` layout, or a remote registry over HTTP) resolved platform by platform,
 * and `docker-archive:FILE.tar` (layers keyed by their diff_id).
 */
import type { Readable } from 'node:stream';
import { Readable as NodeReadable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { digestOf } from '../../core/digest.js';
import { ManifestInvalidError, NotFoundError, ValidationError } from '../../core/errors.js';
import { resolveImage, type BlobSource, type PlatformManifest } from '../../image/image-reader.js';
import { readDockerArchive } from '../../image/local-sources.js';
import { basicAuthorization, registryCredentials, type BasicCredentials } from '../../image/registry-credentials.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { AnalysisInput } from './analyzer.js';

const SMALL_BYTES = 4 * 1024 * 1024;

/** The registry's own blobs (manifests are stored as blobs too). */
export function blobStoreSource(blobs: BlobStore): BlobSource {
  return {
    open: (digest) => blobs.open(digest as Parameters<BlobStore['open']>[0]),
    readSmall: (digest) => blobs.read(digest as Parameters<BlobStore['read']>[0], { maxBytes: SMALL_BYTES }),
  };
}

/** The AnalysisInput of one platform manifest read through `src`. */
export async function inputFromSource(
  src: BlobSource,
  pm: PlatformManifest,
  names: { repository?: string; tag?: string } = {},
): Promise<AnalysisInput> {
  const img = await resolveImage(src, pm.digest, pm.platform);
  return {
    manifestDigest: img.manifestDigest,
    configDigest: img.configDigest,
    ...(img.platform ? { platform: img.platform } : {}),
    env: img.env,
    layers: img.layers.map((l) => ({
      index: l.index,
      digest: l.digest,
      size: l.size,
      ...(l.createdBy !== undefined ? { createdBy: l.createdBy } : {}),
    })),
    openLayer: (i) => {
      const l = img.layers[i];
      if (!l) return Promise.reject(new NotFoundError(`layer ${i}`));
      return src.open(l.digest);
    },
    ...names,
  };
}

/** `docker-archive:FILE.tar`: config history/env, layers streamed out of the archive. */
export async function inputFromDockerArchive(file: string): Promise<AnalysisInput> {
  const arch = await readDockerArchive(file);
  let cfg: { config?: { Env?: unknown }; history?: unknown; rootfs?: { diff_ids?: unknown }; os?: unknown; architecture?: unknown };
  try {
    cfg = JSON.parse(Buffer.from(arch.config).toString('utf8')) as typeof cfg;
  } catch {
    throw new ManifestInvalidError('docker archive config is not JSON');
  }
  const env: Record<string, string> = {};
  if (Array.isArray(cfg.config?.Env)) {
    for (const kv of cfg.config.Env) {
      if (typeof kv !== 'string') continue;
      const i = kv.indexOf('=');
      if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    }
  }
  const createdBy: (string | undefined)[] = [];
  if (Array.isArray(cfg.history)) {
    for (const h of cfg.history as { created_by?: unknown; empty_layer?: unknown }[]) {
      if (h?.empty_layer === true) continue;
      createdBy.push(typeof h?.created_by === 'string' ? h.created_by : undefined);
    }
  }
  const diffIds = Array.isArray(cfg.rootfs?.diff_ids) ? cfg.rootfs.diff_ids : [];
  return {
    manifestDigest: digestOf(arch.config),
    configDigest: digestOf(arch.config),
    ...(typeof cfg.os === 'string' && typeof cfg.architecture === 'string' ? { platform: { os: cfg.os, architecture: cfg.architecture } } : {}),
    env,
    layers: arch.layerPaths.map((p, index) => {
      const diff = diffIds[index];
      const cb = createdBy[index];
      return { index, digest: typeof diff === 'string' ? diff : `path:${p}`, ...(cb !== undefined ? { createdBy: cb } : {}) };
    }),
    openLayer: (i) => arch.openLayer(i),
    ...(arch.repoTags[0] !== undefined ? { tag: arch.repoTags[0] } : {}),
  };
}

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface RegistryRef {
  readonly host: string;
  readonly repository: string;
  readonly reference: string;
}

/** Parses `HOST/REPO:TAG` or `HOST/REPO@sha256:…`. */
export function parseRegistryRef(s: string): RegistryRef | undefined {
  const slash = s.indexOf('/');
  if (slash <= 0) return undefined;
  const host = s.slice(0, slash);
  let rest = s.slice(slash + 1);
  let reference = 'latest';
  const at = rest.indexOf('@');
  if (at >= 0) {
    reference = rest.slice(at + 1);
    rest = rest.slice(0, at);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > 0) {
      reference = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
  }
  if (!/^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/.test(rest) || reference === '') return undefined;
  return { host, repository: rest, reference };
}

function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || h.startsWith('127.');
}

/**
 * A BlobSource over a remote registry's /v2 API: plain http only for loopback hosts, https
 * otherwise. Bearer tokens are fetched when the registry asks for them — with the credentials of
 * registry-credentials.ts when there are some (sent only to the token realm), anonymously otherwise;
 * registries that challenge with Basic get the credentials directly.
 */
export function registrySource(
  ref: RegistryRef,
  credentials: BasicCredentials | undefined = registryCredentials(ref.host),
): BlobSource & { resolveRoot(): Promise<string> } {
  const base = `${isLoopback(ref.host) ? 'http' : 'https'}://${ref.host}/v2/${ref.repository}`;
  let token: string | undefined;
  let basic = false;
  const get = async (url: string, accept?: string): Promise<Response> => {
    const headers: Record<string, string> = {};
    if (accept) headers.accept = accept;
    if (token) headers.authorization = `Bearer ${token}`;
    else if (basic && credentials) headers.authorization = basicAuthorization(credentials);
    let res = await fetch(url, { headers });
    const challenge = res.headers.get('www-authenticate');
    if (res.status === 401 && challenge?.startsWith('Basic') && credentials && !basic) {
      basic = true;
      headers.authorization = basicAuthorization(credentials);
      res = await fetch(url, { headers });
    }
    if (res.status === 401 && challenge?.startsWith('Bearer ') && token === undefined) {
      const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      if (params.realm) {
        const u = new URL(params.realm);
        if (params.service) u.searchParams.set('service', params.service);
        u.searchParams.set('scope', params.scope ?? `repository:${ref.repository}:pull`);
        const tr = await fetch(u, credentials ? { headers: { authorization: basicAuthorization(credentials) } } : {});
        if (tr.ok) {
          const body = (await tr.json()) as { token?: string; access_token?: string };
          token = body.token ?? body.access_token;
          if (token) {
            headers.authorization = `Bearer ${token}`;
            res = await fetch(url, { headers });
          }
        }
      }
    }
    return res;
  };
  const readSmall = async (digest: string): Promise<Uint8Array> => {
    let res = await get(`${base}/manifests/${digest}`, MANIFEST_ACCEPT);
    if (res.status === 404) res = await get(`${base}/blobs/${digest}`);
    if (!res.ok) throw new NotFoundError(`${ref.host}/${ref.repository}@${digest} (HTTP ${res.status})`);
    const buf = new Uint8Array(await res.arrayBuffer());
    if (buf.length > SMALL_BYTES) throw new ManifestInvalidError(`${digest} larger than ${SMALL_BYTES} bytes`);
    return buf;
  };
  return {
    readSmall,
    open: async (digest): Promise<Readable> => {
      const res = await get(`${base}/blobs/${digest}`);
      if (!res.ok || !res.body) throw new NotFoundError(`blob ${digest} (HTTP ${res.status})`);
      return NodeReadable.fromWeb(res.body as WebReadableStream<Uint8Array>);
    },
    resolveRoot: async () => {
      if (ref.reference.includes(':')) return ref.reference;
      const res = await get(`${base}/manifests/${ref.reference}`, MANIFEST_ACCEPT);
      if (!res.ok) throw new ValidationError(`${ref.host}/${ref.repository}:${ref.reference}: HTTP ${res.status}`);
      const digest = res.headers.get('docker-content-digest');
      const body = new Uint8Array(await res.arrayBuffer());
      if (digest) return digest;
          return digestOf(body);
    },
  };
}

