/**
 * Content-addressed byte storage with resumable upload sessions. Whether a repository may see
 * a blob is not decided here (that is metadata); this layer only stores and verifies bytes.
 * Implementations: fs/fs-blob-store.ts (S3 later); all run blob-store.contract.ts.
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../core/digest.js';

export interface BlobInfo {
  readonly digest: Digest;
  readonly size: number;
  /** When the blob was stored (used by GC's grace period). */
  readonly modifiedAt: Date;
}

/** Inclusive byte range; `endInclusive` undefined means "to the end". */
export interface ByteRange {
  readonly start: number;
  readonly endInclusive?: number;
}

export interface BlobStore {
  /** `undefined` when absent. Never throws for "not found". */
  stat(digest: Digest): Promise<BlobInfo | undefined>;
  /**
   * Opens the blob for reading. Throws BlobNotFoundError when absent and RangeInvalidError
   * when the range starts past the end. The caller owns the stream and must destroy it on abort.
   */
  open(digest: Digest, opts?: { range?: ByteRange }): Promise<Readable>;
  /**
   * The local file holding a stored blob, for stores that keep blobs on local disk; lets the HTTP
   * layer send it through reused buffers (see server/send-file-region.ts). Absent for remote stores.
   */
  localPath?(digest: Digest): string;
  /**
   * A time-limited URL from which clients may GET the blob directly (object stores configured to
   * redirect); undefined when this store serves blobs itself.
   */
  redirectUrl?(digest: Digest): Promise<string | undefined>;
  /** Small objects only (manifests, configs). Throws BlobNotFoundError, or BlobTooLargeError above `maxBytes`. */
  read(digest: Digest, opts: { maxBytes: number }): Promise<Buffer>;
  /**
   * Hashes while writing, compares with `expected` if given (DigestMismatchError, nothing stored),
   * stores atomically. The algorithm is the one of `expected`, else sha256. Idempotent.
   * `maxBytes` bounds the input (BlobTooLargeError).
   */
  put(data: Uint8Array | Readable, opts?: { expected?: Digest; maxBytes?: number }): Promise<BlobInfo>;
  /** Idempotent: deleting an absent blob is not an error. */
  delete(digest: Digest): Promise<void>;
  /** Every stored digest, in no particular order. */
  list(): AsyncIterable<Digest>;
  readonly uploads: UploadStore;
}

export interface UploadStore {
  /** Starts an empty session. `label` is stored with it (the registry uses the repository name). */
  create(opts?: { label?: string }): Promise<UploadSession>;
  /** Reopens a session, also after a restart. Throws UploadUnknownError. */
  resume(id: string): Promise<UploadSession>;
  /** Ids of sessions last written before `before` (stale-upload purge), including broken ones. */
  listStale(before: Date): AsyncIterable<string>;
  /** Removes a session and whatever it holds, even a half-created one. Idempotent. */
  discard(id: string): Promise<void>;
}

export interface UploadSession {
  readonly id: string;
  readonly label: string;
  readonly startedAt: Date;
  /** Bytes received so far. */
  size(): Promise<number>;
  /**
   * Appends `chunk`. `offset` must equal the current size, else RangeInvalidError (nothing written).
   * Resolves to the new size. On a broken stream the bytes that reached the disk stay and
   * `size()` tells the client where to resume. `maxBytes` bounds this chunk.
   */
  append(chunk: Readable | Uint8Array, offset: number, opts?: { maxBytes?: number }): Promise<number>;
  /**
   * Verifies the digest of everything received and moves it into the store atomically; the
   * session is gone afterwards. Throws DigestMismatchError (the session stays, unchanged).
   */
  commit(expected: Digest): Promise<BlobInfo>;
  /** Idempotent and safe after commit, so `finally { await s.cancel() }` is always correct. */
  cancel(): Promise<void>;
}
