/**
 * Blob reads, uploads (monolithic, chunked, streamed), mounts and blob deletion for one
 * repository at a time — the HTTP-free rules of the spec. Blob visibility is a repository link in
 * metadata; bytes live once in the BlobStore. Sessions are labelled with their repository so one
 * repository cannot finish another's upload.
 */
import type { Readable } from 'node:stream';
import { parseDigest, type Digest } from '../../core/digest.js';
import { BlobNotFoundError, DigestInvalidError, RangeInvalidError, UnsupportedError, UploadUnknownError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import type { BlobInfo, BlobStore, ByteRange, UploadSession } from '../../storage/blob-store.js';

export interface UploadServiceOptions {
  readonly blobs: BlobStore;
  readonly metadata: MetadataStore;
  readonly log: Logger;
  readonly deleteEnabled: boolean;
  /** Called with the seconds an upload took from start to commit. */
  readonly onUploadFinished?: (seconds: number, kind: 'monolithic' | 'chunked') => void;
}

export interface UploadStatus {
  readonly id: string;
  readonly size: number;
}

/** Parses a digest from a query or path; DIGEST_INVALID when missing, malformed or of an unsupported algorithm. */
export function requireDigest(value: string | undefined): Digest {
  const parsed = value === undefined ? undefined : parseDigest(value);
  if (!parsed) throw new DigestInvalidError(value ?? '');
  return parsed.digest;
}

/** How a blob's bytes reach the response: a local file region (fast path) or a stream. */
export type BlobBody =
  | { readonly kind: 'file'; readonly path: string; readonly start: number; readonly end: number }
  | { readonly kind: 'stream'; readonly stream: Readable };

export class UploadService {
  constructor(private readonly o: UploadServiceOptions) {}

  /** Size and digest when the blob is linked to the repository and present; else BLOB_UNKNOWN. */
  async stat(repo: string, digest: Digest): Promise<BlobInfo> {
    if (!(await this.o.metadata.repos.isBlobLinked(repo, digest))) throw new BlobNotFoundError(digest);
    const info = await this.o.blobs.stat(digest);
    if (!info) throw new BlobNotFoundError(digest);
    return info;
  }

  async open(repo: string, digest: Digest, range?: ByteRange): Promise<{ info: BlobInfo; body: BlobBody }> {
    const info = await this.stat(repo, digest);
    const local = this.o.blobs.localPath?.(digest);
    if (local !== undefined) {
      const start = range?.start ?? 0;
      const end = range?.endInclusive !== undefined ? Math.min(range.endInclusive + 1, info.size) : info.size;
      return { info, body: { kind: 'file', path: local, start, end } };
    }
    const stream = await this.o.blobs.open(digest, range ? { range } : undefined);
    return { info, body: { kind: 'stream', stream } };
  }

  /** Where clients may fetch a blob directly (presigned object-store URL), if the store redirects. Call after stat(). */
  redirectUrl(digest: Digest): Promise<string | undefined> {
    return this.o.blobs.redirectUrl?.(digest) ?? Promise.resolve(undefined);
  }

  /** Removes the blob from the repository (bytes are swept later by GC). */
  async deleteBlob(repo: string, digest: Digest): Promise<void> {
    if (!this.o.deleteEnabled) throw new UnsupportedError('deletion is disabled on this registry');
    if (!(await this.o.metadata.repos.unlinkBlob(repo, digest))) throw new BlobNotFoundError(digest);
  }

  /**
   * Cross-repository mount. With `from`, the blob must be linked there; without it, any
   * repository holding the blob will do (the spec allows 201 when the registry knows the blob).
   * Resolves to `undefined` when it cannot mount, and the caller starts an ordinary upload.
   */
  async mount(repo: string, digest: Digest, from: string | undefined, allowed?: (source: string) => Promise<boolean>): Promise<BlobInfo | undefined> {
    const source = from ?? (await this.o.metadata.repos.anyRepositoryWithBlob(digest));
    if (source === undefined || !(await this.o.metadata.repos.isBlobLinked(source, digest))) return undefined;
    if (allowed && !(await allowed(source))) return undefined;
    const info = await this.o.blobs.stat(digest);
    if (!info) return undefined;
    await this.o.metadata.repos.linkBlob(repo, digest);
    return info;
  }

  /** Single-request upload (POST ?digest=): stores the stream if it hashes to `digest`. */
  async putMonolithic(repo: string, digest: Digest, body: Readable | Uint8Array): Promise<BlobInfo> {
    const started = process.hrtime.bigint();
    const info = await this.o.blobs.put(body, { expected: digest });
    await this.o.metadata.repos.linkBlob(repo, digest);
    this.o.onUploadFinished?.(Number(process.hrtime.bigint() - started) / 1e9, 'monolithic');
    return info;
  }

  async start(repo: string): Promise<UploadStatus> {
    const s = await this.o.blobs.uploads.create({ label: repo });
    return { id: s.id, size: 0 };
  }

  private async session(repo: string, id: string): Promise<UploadSession> {
    const s = await this.o.blobs.uploads.resume(id);
    if (s.label !== repo) throw new UploadUnknownError(id);
    return s;
  }

  async status(repo: string, id: string): Promise<UploadStatus> {
    const s = await this.session(repo, id);
    return { id, size: await s.size() };
  }

  /**
   * Appends a chunk. With `range` (from Content-Range) the chunk must start at the current size,
   * else 416 carrying the current size; without it (streamed PATCH) it goes at the end.
   */
  async append(repo: string, id: string, body: Readable | Uint8Array, range?: { start: number; end: number }): Promise<UploadStatus> {
    const s = await this.session(repo, id);
    const offset = range ? range.start : await s.size();
    const size = await s.append(body, offset);
    if (range && size !== range.end + 1) {
      // The bytes are kept (they were appended at the right offset); the client learns the real size.
      this.o.log.warn({ upload: id, expectedEnd: range.end, size }, 'chunk length disagrees with Content-Range');
    }
    return { id, size };
  }

  /** Finishes an upload (PUT ?digest=), optionally appending a last chunk first. */
  async finish(
    repo: string,
    id: string,
    digest: Digest,
    last?: { body: Readable | Uint8Array; range?: { start: number; end: number } },
  ): Promise<BlobInfo> {
    const s = await this.session(repo, id);
    if (last) {
      const offset = last.range ? last.range.start : await s.size();
      await s.append(last.body, offset);
    }
    let info: BlobInfo;
    try {
      info = await s.commit(digest);
    } catch (err: unknown) {
      if (err instanceof RangeInvalidError) throw err;
      // A failed digest check ends the upload: nothing is stored and the client must start over.
      await s.cancel();
      throw err;
    }
    await this.o.metadata.repos.linkBlob(repo, digest);
    this.o.onUploadFinished?.((Date.now() - s.startedAt.getTime()) / 1000, 'chunked');
    return info;
  }

  async cancel(repo: string, id: string): Promise<void> {
    const s = await this.session(repo, id);
    await s.cancel();
  }

  /** Removes sessions untouched since `before`; resolves to their ids. */
  async purgeStale(before: Date): Promise<string[]> {
    const purged: string[] = [];
    for await (const id of this.o.blobs.uploads.listStale(before)) {
      await this.o.blobs.uploads.discard(id);
      purged.push(id);
    }
    return purged;
  }
}
