/**
 * What the UI reads from the OCI registry API (/v2): the catalog and tag names while /api/v1 has no list
 * endpoints yet, and manifests + image configs for the tag overview (layers, history, platforms), which
 * the REST API does not duplicate.
 */
import { apiJson, request } from './client.js';

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

function v2Path(repository: string, ...rest: readonly string[]): string {
  return '/v2/' + [...repository.split('/'), ...rest].map(encodeURIComponent).join('/');
}

export async function catalog(signal?: AbortSignal): Promise<string[]> {
  const body = await apiJson<{ repositories?: string[] }>('/v2/_catalog?n=10000', { signal });
  return body.repositories ?? [];
}

export interface Descriptor {
  readonly mediaType?: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: { readonly os?: string; readonly architecture?: string; readonly variant?: string };
  readonly annotations?: Record<string, string>;
}

export interface ManifestDoc {
  readonly mediaType?: string;
  readonly manifests?: readonly Descriptor[];
  readonly config?: Descriptor;
  readonly layers?: readonly Descriptor[];
}

export interface FetchedManifest {
  readonly digest: string;
  readonly manifest: ManifestDoc;
}

export async function manifestOf(repository: string, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
  // The tag page shows a failed overview in place rather than leaving for sign-in: its API tabs may still work.
  const res = await request(v2Path(repository, 'manifests', reference), { headers: { accept: MANIFEST_ACCEPT }, signal, allowUnauthorized: true });
  const manifest = (await res.json()) as ManifestDoc;
  return { digest: res.headers.get('docker-content-digest') ?? '', manifest };
}

export interface ImageConfig {
  readonly os?: string;
  readonly architecture?: string;
  readonly variant?: string;
  readonly created?: string;
  readonly history?: readonly { readonly created_by?: string; readonly empty_layer?: boolean; readonly comment?: string }[];
}

export async function configOf(repository: string, digest: string, signal?: AbortSignal): Promise<ImageConfig> {
  return apiJson<ImageConfig>(v2Path(repository, 'blobs', digest), { signal, allowUnauthorized: true });
}

export function platformOf(d: Descriptor): string {
  const p = d.platform;
  if (!p) return 'unknown';
  return [p.os, p.architecture, p.variant].filter((x) => x !== undefined && x !== '').join('/');
}
