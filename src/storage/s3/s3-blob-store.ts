/**
 * BlobStore on S3-compatible object storage (AWS S3, MinIO, Ceph RGW …) for scaled-out installs.
 * Layout under the configured prefix: blobs at `blobs/<alg>/<hh>/<hex>`, upload sessions at
 * `uploads/<id>/info.json` plus one object per appended chunk (`part-<offset>`), scratch objects at
 * `tmp/<uuid>`. Every node can continue any session because all session state lives in the bucket.
 * A blob becomes visible only by a server-side copy after its digest matched, so a crash never
 * exposes a partial blob. Node cannot persist a hash state, so a commit of a multi-chunk session
 * re-reads its chunks once to hash them; a single streamed chunk (what docker, skopeo and crane
 * send) was hashed while it arrived and is copied without reading it again.
 */
import { createHash, randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  AbortMultipartUploadCommand,
  UploadPartCopyCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { parseDigest, type Digest, type DigestAlgorithm } from '../../core/digest.js';
import { BlobNotFoundError, BlobTooLargeError, DigestMismatchError, RangeInvalidError, UploadUnknownError } from '../../core/errors.js';
import type { BlobInfo, BlobStore, ByteRange, UploadSession, UploadStore } from '../blob-store.js';
import { HashingCounter, toReadable } from '../hashing-counter.js';

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PART_KEY = /\/part-(\d{16})$/;
/** S3's limit for a single CopyObject; larger blobs are copied part by part. */
const MAX_SINGLE_COPY = 5 * 1024 ** 3;
const COPY_PART_BYTES = 1024 ** 3;
/** Multipart part size for streamed uploads (S3 minimum 5 MiB; larger parts mean fewer requests). */
const UPLOAD_PART_BYTES = 16 * 1024 * 1024;

export interface S3BlobStoreOptions {
  readonly bucket: string;
  /** Key prefix without leading or trailing slash ('' for the bucket root). */
  readonly prefix: string;
  /** Custom endpoint (MinIO etc.); path-style addressing is used when set. */
  readonly endpoint?: string;
  readonly region?: string;
  /** Explicit credentials (tests); otherwise the AWS SDK's default provider chain (env, profile, IMDS). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** When > 0, redirectUrl() presigns GETs valid this many seconds (blob downloads bypass the server). */
  readonly redirectSeconds?: number;
}

interface SessionInfo {
  readonly label: string;
  readonly startedAt: string;
}

interface Part {
  readonly key: string;
  readonly offset: number;
  readonly size: number;
}

function errorName(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e.$metadata?.httpStatusCode === 404) return 'NotFound';
  if (e.$metadata?.httpStatusCode === 416) return 'InvalidRange';
  return typeof e.name === 'string' ? e.name : undefined;
}

function isNotFound(err: unknown): boolean {
  const name = errorName(err);
  return name === 'NotFound' || name === 'NoSuchKey';
}



export class S3BlobStore implements BlobStore {
  readonly uploads: UploadStore;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly root: string;
  private readonly redirectSeconds: number;

  constructor(opts: S3BlobStoreOptions) {
    this.bucket = opts.bucket;
    this.redirectSeconds = opts.redirectSeconds ?? 0;
    this.root = opts.prefix === '' ? '' : `${opts.prefix.replace(/^\/+|\/+$/g, '')}/`;
    this.client = new S3Client({
      ...(opts.region !== undefined ? { region: opts.region } : { region: 'us-east-1' }),
      ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint, forcePathStyle: true } : {}),
      ...(opts.credentials ? { credentials: { ...opts.credentials } } : {}),
    });
    this.uploads = {
      create: (o) => this.createSession(o?.label ?? ''),
      resume: (id) => this.resumeSession(id),
      listStale: (before) => this.listStale(before),
      discard: (id) => this.discard(id),
    };
  }

  /** Checks that the bucket answers, so a wrong endpoint or credentials fail at start-up. */
  async init(): Promise<void> {
    await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.root, MaxKeys: 1 }));
  }

  close(): void {
    this.client.destroy();
  }

  private blobKey(digest: Digest): string {
    const parsed = parseDigest(digest);
    if (!parsed) throw new BlobNotFoundError(digest);
    return `${this.root}blobs/${parsed.algorithm}/${parsed.hex.slice(0, 2)}/${parsed.hex}`;
  }

  async stat(digest: Digest): Promise<BlobInfo | undefined> {
    if (!parseDigest(digest)) return undefined;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.blobKey(digest) }));
      return { digest, size: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date(0) };
    } catch (err: unknown) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async open(digest: Digest, opts?: { range?: ByteRange }): Promise<Readable> {
    const range = opts?.range;
    const info = await this.stat(digest);
    if (!info) throw new BlobNotFoundError(digest);
    if (range && range.start >= info.size && !(range.start === 0 && info.size === 0)) throw new RangeInvalidError(info.size);
    if (info.size === 0) return Readable.from([]);
    const header = range ? `bytes=${range.start}-${range.endInclusive ?? ''}` : undefined;
    try {
      const got = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.blobKey(digest), ...(header ? { Range: header } : {}) }),
      );
      return got.Body as Readable;
    } catch (err: unknown) {
      if (isNotFound(err)) throw new BlobNotFoundError(digest, { cause: err });
      if (errorName(err) === 'InvalidRange') throw new RangeInvalidError(info.size);
      throw err;
    }
  }

  async redirectUrl(digest: Digest): Promise<string | undefined> {
    if (this.redirectSeconds <= 0) return undefined;
    // Signing is local (no request); the caller has already checked that the blob exists.
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: this.blobKey(digest) }), { expiresIn: this.redirectSeconds });
  }

  async read(digest: Digest, opts: { maxBytes: number }): Promise<Buffer> {
    const info = await this.stat(digest);
    if (!info) throw new BlobNotFoundError(digest);
    if (info.size > opts.maxBytes) throw new BlobTooLargeError(opts.maxBytes);
    const chunks: Buffer[] = [];
    for await (const chunk of await this.open(digest)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async put(data: Uint8Array | Readable, opts?: { expected?: Digest; maxBytes?: number }): Promise<BlobInfo> {
    const algorithm: DigestAlgorithm = opts?.expected ? (parseDigest(opts.expected)?.algorithm ?? 'sha256') : 'sha256';
    const tmp = `${this.root}tmp/${randomUUID()}`;
    const hash = createHash(algorithm);
    const counter = new HashingCounter(hash, opts?.maxBytes ?? Number.MAX_SAFE_INTEGER);
    try {
      await this.streamTo(tmp, toReadable(data), counter);
      const actual = `${algorithm}:${hash.digest('hex')}` as Digest;
      if (opts?.expected !== undefined && actual !== opts.expected) throw new DigestMismatchError(opts.expected, actual);
      return await this.moveIntoPlace(tmp, actual, counter.bytes);
    } finally {
      await this.deleteKey(tmp);
    }
  }

  async delete(digest: Digest): Promise<void> {
    if (!parseDigest(digest)) return;
    await this.deleteKey(this.blobKey(digest));
  }

  async *list(): AsyncIterable<Digest> {
    for await (const object of this.listObjects(`${this.root}blobs/`)) {
      const m = /blobs\/(sha256|sha512)\/[0-9a-f]{2}\/([0-9a-f]+)$/.exec(object.Key ?? '');
      if (m) yield `${m[1]}:${m[2]}` as Digest;
    }
  }

  /** Streams `source` through `counter` into `key` with a multipart upload; nothing remains on failure. */
  private async streamTo(key: string, source: Readable, counter: HashingCounter): Promise<void> {
    const body = new PassThrough({ highWaterMark: UPLOAD_PART_BYTES });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body },
      partSize: UPLOAD_PART_BYTES,
      queueSize: 2,
      leavePartsOnError: false,
    });
    const piping = pipeline(source, counter, body);
    const uploading = upload.done();
    try {
      await piping;
    } catch (err: unknown) {
      await upload.abort().catch(() => undefined);
      await uploading.catch(() => undefined);
      throw err;
    }
    await uploading;
  }

  /** Server-side copy from a scratch or session object to the blob's key (idempotent). */
  private async moveIntoPlace(sourceKey: string, digest: Digest, size: number): Promise<BlobInfo> {
    const existing = await this.stat(digest);
    if (existing) return existing;
    const target = this.blobKey(digest);
    if (size <= MAX_SINGLE_COPY) {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: target, CopySource: this.copySource(sourceKey) }));
    } else {
      await this.multipartCopy(sourceKey, target, size);
    }
    return { digest, size, modifiedAt: new Date() };
  }

  private copySource(key: string): string {
    return `${this.bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  private async multipartCopy(sourceKey: string, target: string, size: number): Promise<void> {
    const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: target }));
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new Error('S3 returned no upload id');
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let start = 0, n = 1; start < size; start += COPY_PART_BYTES, n++) {
        const end = Math.min(start + COPY_PART_BYTES, size) - 1;
        const part = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket,
            Key: target,
            UploadId: uploadId,
            PartNumber: n,
            CopySource: this.copySource(sourceKey),
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        parts.push({ ETag: part.CopyPartResult?.ETag ?? '', PartNumber: n });
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId: uploadId, MultipartUpload: { Parts: parts } }),
      );
    } catch (err: unknown) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: target, UploadId: uploadId })).catch(() => undefined);
      throw err;
    }
  }

  private async deleteKey(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err: unknown) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async *listObjects(prefix: string): AsyncIterable<_Object> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const object of page.Contents ?? []) yield object;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  // --- upload sessions -------------------------------------------------------------------------

  private sessionPrefix(id: string): string {
    return `${this.root}uploads/${id}/`;
  }

  private async createSession(label: string): Promise<UploadSession> {
    const id = randomUUID();
    const info: SessionInfo = { label, startedAt: new Date().toISOString() };
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: `${this.sessionPrefix(id)}info.json`,
        Body: JSON.stringify(info),
        ContentType: 'application/json',
      }),
    );
    return this.session(id, info);
  }

  private async sessionInfo(id: string): Promise<SessionInfo> {
    if (!UPLOAD_ID.test(id)) throw new UploadUnknownError(id);
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: `${this.sessionPrefix(id)}info.json` }));
      const text = (await got.Body?.transformToString()) ?? '';
      const parsed = JSON.parse(text) as Partial<SessionInfo>;
      return { label: typeof parsed.label === 'string' ? parsed.label : '', startedAt: typeof parsed.startedAt === 'string' ? parsed.startedAt : new Date(0).toISOString() };
    } catch (err: unknown) {
      if (isNotFound(err) || err instanceof SyntaxError) throw new UploadUnknownError(id);
      throw err;
    }
  }

  private async resumeSession(id: string): Promise<UploadSession> {
    return this.session(id, await this.sessionInfo(id));
  }

  /** The session's chunks in offset order; throws when they do not line up (a lost race between nodes). */
  private async parts(id: string): Promise<Part[]> {
    const parts: Part[] = [];
    for await (const object of this.listObjects(this.sessionPrefix(id))) {
      const m = PART_KEY.exec(object.Key ?? '');
      if (m?.[1] !== undefined && object.Key !== undefined) parts.push({ key: object.Key, offset: Number(m[1]), size: object.Size ?? 0 });
    }
    parts.sort((a, b) => a.offset - b.offset);
    let expected = 0;
    for (const p of parts) {
      if (p.offset !== expected) throw new RangeInvalidError(expected, `upload chunks do not line up at offset ${expected}`);
      expected += p.size;
    }
    return parts;
  }

  private async size(id: string): Promise<number> {
    await this.sessionInfo(id);
    return (await this.parts(id)).reduce((n, p) => n + p.size, 0);
  }

  private session(id: string, info: SessionInfo): UploadSession {
    return {
      id,
      label: info.label,
      startedAt: new Date(info.startedAt),
      size: () => this.size(id),
      append: async (chunk, offset, opts) => {
        const size = await this.size(id);
        if (offset !== size) throw new RangeInvalidError(size, `upload is at offset ${size}, chunk starts at ${offset}`);
        const key = `${this.sessionPrefix(id)}part-${String(offset).padStart(16, '0')}`;
        const sha256 = createHash('sha256');
        const counter = new HashingCounter(sha256, opts?.maxBytes ?? Number.MAX_SAFE_INTEGER);
        await this.streamTo(key, toReadable(chunk), counter);
        if (offset === 0) {
          // The first chunk's digest lets a single-chunk session commit without re-reading it.
          await this.client.send(
            new PutObjectCommand({ Bucket: this.bucket, Key: `${this.sessionPrefix(id)}first.sha256`, Body: sha256.digest('hex') }),
          );
        }
        return size + counter.bytes;
      },
      commit: async (expected) => {
        const parsed = parseDigest(expected);
        if (!parsed) throw new DigestMismatchError(expected, 'unsupported digest');
        await this.sessionInfo(id);
        const parts = await this.parts(id);
        const total = parts.reduce((n, p) => n + p.size, 0);
        const only = parts.length === 1 ? parts[0] : undefined;
        let info: BlobInfo;
        if (only && parsed.algorithm === 'sha256' && (await this.firstChunkDigest(id)) === parsed.hex) {
          info = await this.moveIntoPlace(only.key, expected, total);
        } else {
          info = await this.commitByRehash(id, parts, parsed.algorithm, expected, total);
        }
        await this.discard(id);
        return info;
      },
      cancel: () => this.discard(id),
    };
  }

  private async firstChunkDigest(id: string): Promise<string | undefined> {
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: `${this.sessionPrefix(id)}first.sha256` }));
      return (await got.Body?.transformToString())?.trim();
    } catch (err: unknown) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Concatenates the chunks into a scratch object while hashing them, then copies it into place. */
  private async commitByRehash(id: string, parts: readonly Part[], algorithm: DigestAlgorithm, expected: Digest, total: number): Promise<BlobInfo> {
    const client = this.client;
    const bucket = this.bucket;
    async function* concatenated(): AsyncIterable<Buffer> {
      for (const part of parts) {
        if (part.size === 0) continue;
        const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: part.key }));
        for await (const chunk of got.Body as Readable) yield chunk as Buffer;
      }
    }
    const tmp = `${this.root}tmp/${id}-${randomUUID()}`;
    const hash = createHash(algorithm);
    const counter = new HashingCounter(hash, Number.MAX_SAFE_INTEGER);
    try {
      await this.streamTo(tmp, Readable.from(concatenated()), counter);
      const actual = `${algorithm}:${hash.digest('hex')}` as Digest;
      if (actual !== expected) throw new DigestMismatchError(expected, actual);
      return await this.moveIntoPlace(tmp, expected, total);
    } finally {
      await this.deleteKey(tmp);
    }
  }

  private async *listStale(before: Date): AsyncIterable<string> {
    const latest = new Map<string, number>();
    const prefix = `${this.root}uploads/`;
    for await (const object of this.listObjects(prefix)) {
      const id = (object.Key ?? '').slice(prefix.length).split('/')[0] ?? '';
      if (!UPLOAD_ID.test(id)) continue;
      const t = object.LastModified?.getTime() ?? 0;
      latest.set(id, Math.max(latest.get(id) ?? 0, t));
    }
    for (const [id, t] of latest) if (t < before.getTime()) yield id;
  }

  private async discard(id: string): Promise<void> {
    if (!UPLOAD_ID.test(id)) return;
    const keys: string[] = [];
    for await (const object of this.listObjects(this.sessionPrefix(id))) if (object.Key) keys.push(object.Key);
    for (let i = 0; i < keys.length; i += 1000) {
      await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }),
      );
    }
  }
}
