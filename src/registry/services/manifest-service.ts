/**
 * Manifests, tags, referrers and the catalog: validation against what the repository holds,
 * content-addressed storage of the bytes (BlobStore) with rows in metadata, and domain events.
 */
import { digestOf, parseDigest, type Digest } from '../../core/digest.js';
import {
  AppError,
  BlobTooLargeError,
  DigestInvalidError,
  DigestMismatchError,
  ManifestBlobUnknownError,
  ManifestUnknownError,
  NameUnknownError,
  TagInvalidError,
  UnsupportedError,
} from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Descriptor, ManifestHead, MetadataStore, StoredManifest } from '../../metadata/metadata-store.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { RegistryEvents } from '../events.js';
import { parseManifest, type ParsedManifest } from '../manifest.js';
import { isValidTag } from '../reference.js';

export interface ManifestServiceOptions {
  readonly blobs: BlobStore;
  readonly metadata: MetadataStore;
  readonly events: RegistryEvents;
  readonly log: Logger;
  readonly deleteEnabled: boolean;
  readonly maxManifestBytes: number;
  /** Bytes of manifest bodies kept in memory (they are immutable, so caching by digest is safe). */
  readonly cacheBytes?: number;
}

export type Reference = { readonly kind: 'tag'; readonly tag: string } | { readonly kind: 'digest'; readonly digest: Digest };

/** A tag, or a digest (anything with a colon); TAG_INVALID / DIGEST_INVALID otherwise. */
export function parseReference(value: string): Reference {
  if (value.includes(':')) {
    const d = parseDigest(value);
    if (!d) throw new DigestInvalidError(value);
    return { kind: 'digest', digest: d.digest };
  }
  if (!isValidTag(value)) throw new TagInvalidError(value);
  return { kind: 'tag', tag: value };
}

/** Small LRU of manifest bodies by digest, bounded in bytes. */
class BodyCache {
  private readonly map = new Map<string, Buffer>();
  private bytes = 0;
  constructor(private readonly limit: number) {}
  get(digest: string): Buffer | undefined {
    const v = this.map.get(digest);
    if (v) {
      this.map.delete(digest);
      this.map.set(digest, v);
    }
    return v;
  }
  set(digest: string, body: Buffer): void {
    if (body.length > this.limit / 16 || this.map.has(digest)) return;
    this.map.set(digest, body);
    this.bytes += body.length;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.limit) break;
      this.map.delete(k);
      this.bytes -= v.length;
    }
  }
}

export interface PutResult {
  readonly digest: Digest;
  readonly subject: Digest | undefined;
}

export class ManifestService {
  private readonly cache: BodyCache;

  constructor(private readonly o: ManifestServiceOptions) {
    this.cache = new BodyCache(o.cacheBytes ?? 32 * 1024 * 1024);
  }

  /** Validates and stores a manifest under a tag or its digest; emits `manifestPushed`. */
  async put(repo: string, reference: string, body: Buffer, contentType: string | undefined): Promise<PutResult> {
    const ref = parseReference(reference);
    if (body.length > this.o.maxManifestBytes) throw new BlobTooLargeError(this.o.maxManifestBytes);
    const parsed = parseManifest(body, contentType);
    if (!parsed.ok) throw parsed.error;
    const m = parsed.manifest;
    const digest = digestOf(body, ref.kind === 'digest' ? (parseDigest(ref.digest)?.algorithm ?? 'sha256') : 'sha256');
    if (ref.kind === 'digest' && ref.digest !== digest) throw new DigestMismatchError(ref.digest, digest);

    await this.checkReferences(repo, m);
    await this.o.blobs.put(body, { expected: digest });
    const stored: StoredManifest = {
      digest,
      mediaType: m.mediaType,
      size: body.length,
      ...artifactTypeOf(m),
      ...(m.subject ? { subject: m.subject.digest } : {}),
      ...(m.config ? { configDigest: m.config.digest } : {}),
      ...(m.annotations ? { annotations: m.annotations } : {}),
      blobs: m.kind === 'image' ? [...(m.config ? [m.config.digest] : []), ...m.layers.map((l) => l.digest)] : [],
      children: m.manifests.map((c) => c.digest),
    };
    await this.o.metadata.transaction(async (tx) => {
      await tx.manifests.put(repo, stored);
      if (ref.kind === 'tag') await tx.manifests.setTag(repo, ref.tag, digest);
    });
    this.cache.set(digest, body);
    this.o.events.emit('manifestPushed', {
      repo,
      digest,
      mediaType: m.mediaType,
      ...(ref.kind === 'tag' ? { tag: ref.tag } : {}),
    });
    return { digest, subject: m.subject?.digest };
  }

  private async checkReferences(repo: string, m: ParsedManifest): Promise<void> {
    if (m.kind === 'image') {
      const required = [...(m.config ? [m.config] : []), ...m.layers.filter((l) => !l.urls)];
      for (const d of required) {
        if (!(await this.o.metadata.repos.isBlobLinked(repo, d.digest))) throw new ManifestBlobUnknownError(d.digest);
      }
      return;
    }
    for (const child of m.manifests) {
      if (!(await this.o.metadata.manifests.head(repo, { digest: child.digest }))) throw new ManifestBlobUnknownError(child.digest);
    }
  }

  /** Digest, media type and size for a tag or digest; MANIFEST_UNKNOWN when absent. */
  async resolve(repo: string, reference: string): Promise<ManifestHead> {
    const ref = parseReference(reference);
    const head = await this.o.metadata.manifests.head(repo, ref.kind === 'digest' ? { digest: ref.digest } : { tag: ref.tag });
    if (!head) throw new ManifestUnknownError(reference);
    return head;
  }

  async get(repo: string, reference: string): Promise<{ manifest: ManifestHead; body: Buffer }> {
    const manifest = await this.resolve(repo, reference);
    let body = this.cache.get(manifest.digest);
    if (!body) {
      try {
        body = await this.o.blobs.read(manifest.digest, { maxBytes: this.o.maxManifestBytes });
      } catch (err: unknown) {
        if (err instanceof AppError && err.code === 'BLOB_UNKNOWN') throw new ManifestUnknownError(reference);
        throw err;
      }
      this.cache.set(manifest.digest, body);
    }
    return { manifest, body };
  }

  /** By digest: removes the manifest and the tags on it. By tag: removes only the tag. */
  async delete(repo: string, reference: string): Promise<void> {
    if (!this.o.deleteEnabled) throw new UnsupportedError('deletion is disabled on this registry');
    const ref = parseReference(reference);
    if (ref.kind === 'tag') {
      const digest = await this.o.metadata.manifests.resolveTag(repo, ref.tag);
      if (digest === undefined || !(await this.o.metadata.manifests.deleteTag(repo, ref.tag))) {
        throw new ManifestUnknownError(reference);
      }
      this.o.events.emit('tagDeleted', { repo, tag: ref.tag, digest });
      return;
    }
    if (!(await this.o.metadata.manifests.delete(repo, ref.digest))) throw new ManifestUnknownError(reference);
    this.o.events.emit('manifestDeleted', { repo, digest: ref.digest });
  }

  /** One page of tags; NAME_UNKNOWN when the repository does not exist. `more` says a next page exists. */
  async listTags(repo: string, page: { after?: string; limit: number }): Promise<{ tags: string[]; more: boolean }> {
    if (!(await this.o.metadata.repos.exists(repo))) throw new NameUnknownError(repo);
    const rows = await this.o.metadata.manifests.listTags(repo, { ...page, limit: page.limit + 1 });
    return { tags: rows.slice(0, page.limit), more: rows.length > page.limit };
  }

  async catalog(page: { after?: string; limit: number }): Promise<{ repositories: string[]; more: boolean }> {
    const rows = await this.o.metadata.repos.list({ ...page, limit: page.limit + 1 });
    return { repositories: rows.slice(0, page.limit), more: rows.length > page.limit };
  }

  async referrers(repo: string, subject: Digest, artifactType?: string): Promise<Descriptor[]> {
    return this.o.metadata.manifests.listReferrers(repo, subject, artifactType);
  }
}

/** The spec: artifactType, else (image manifests) the config media type. */
function artifactTypeOf(m: ParsedManifest): { artifactType?: string } {
  if (m.artifactType !== undefined) return { artifactType: m.artifactType };
  if (m.kind === 'image' && m.config) return { artifactType: m.config.mediaType };
  return {};
}
