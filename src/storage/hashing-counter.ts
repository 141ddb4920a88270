/**
 * Stream helpers shared by the BlobStore implementations: a pass-through that hashes and counts
 * the bytes on their way to storage (failing past a size limit), and Uint8Array → Readable.
 */
import type { Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { BlobTooLargeError } from '../core/errors.js';

/** Counts and hashes bytes flowing through; fails with BlobTooLargeError past `maxBytes`. */
export class HashingCounter extends Transform {
  bytes = 0;
  constructor(
    private readonly hash: Hash,
    private readonly maxBytes: number,
    private readonly onBytes?: (total: number) => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      cb(new BlobTooLargeError(this.maxBytes));
      return;
    }
    this.hash.update(chunk);
    this.onBytes?.(this.bytes);
    cb(null, chunk);
  }
}

export function toReadable(data: Uint8Array | Readable): Readable {
  return data instanceof Uint8Array ? Readable.from([Buffer.from(data.buffer, data.byteOffset, data.byteLength)]) : data;
}
