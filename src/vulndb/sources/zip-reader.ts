/**
 * A yauzl RandomAccessReader over a file that reads in 1 MiB blocks and keeps the last few: yauzl's
 * own fd reader issues two small reads per entry (local header, then data), and with hundreds of
 * thousands of small OSV records that syscall latency, not inflating, bounds the import rate. The
 * central directory (at the end) and entry data (from the start) each stay in their own cached block.
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';

const BLOCK = 1024 * 1024;
const KEEP = 3;

export class BlockReader extends yauzl.RandomAccessReader {
  private readonly blocks: { start: number; data: Buffer }[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly fh: FileHandle,
    private readonly size: number,
  ) {
    super();
  }

  /** The bytes [pos, pos + want) or fewer when a block ends first; loads blocks one at a time. */
  private slice(pos: number, want: number): Promise<Buffer> {
    const hit = this.blocks.find((b) => pos >= b.start && pos < b.start + b.data.length);
    if (hit) return Promise.resolve(hit.data.subarray(pos - hit.start, Math.min(hit.data.length, pos - hit.start + want)));
    const load = this.queue.then(async () => {
      const again = this.blocks.find((b) => pos >= b.start && pos < b.start + b.data.length);
      if (again) return again.data.subarray(pos - again.start, Math.min(again.data.length, pos - again.start + want));
      const length = Math.min(Math.max(BLOCK, want), this.size - pos);
      const data = Buffer.allocUnsafe(length);
      const { bytesRead } = await this.fh.read(data, 0, length, pos);
      if (bytesRead <= 0) throw new Error(`zip: unexpected end of file at ${pos}`);
      this.blocks.unshift({ start: pos, data: data.subarray(0, bytesRead) });
      if (this.blocks.length > KEEP) this.blocks.pop();
      return data.subarray(0, Math.min(bytesRead, want));
    });
    this.queue = load.catch(() => undefined);
    return load;
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (err: Error | null) => void): void {
    const fill = async () => {
      let done = 0;
      while (done < length) {
        const part = await this.slice(position + done, length - done);
        part.copy(buffer, offset + done);
        done += part.length;
      }
    };
    fill().then(() => callback(null), (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const slice = (pos: number, want: number) => this.slice(pos, want);
    async function* range(): AsyncGenerator<Buffer> {
      for (let pos = start; pos < end; ) {
        const part = await slice(pos, end - pos);
        pos += part.length;
        yield part;
      }
    }
    return Readable.from(range(), { objectMode: false });
  }

  override close(callback: (err: Error | null) => void): void {
    this.fh.close().then(() => callback(null), (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
  }
}
