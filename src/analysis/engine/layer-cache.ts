/**
 * Per-layer cache of the selected-file extract, keyed by (layer digest, cataloger-set version), so a
 * base layer shared by many images is streamed once. `LayerCache` is the seam (an S3-backed one comes
 * later); FsLayerCache stores one file per entry under the data directory: a length-prefixed JSON
 * header then the file bodies, written to a temp file and renamed (atomic), evicted LRU by mtime.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createHash, randomUUID } from 'node:crypto';
import type { ExtractedFile, ExtractedLayer } from '../../image/layer-extractor.js';

export interface LayerCache {
  get(layerDigest: string, setVersion: string, opts: { spillDir: string; inMemoryBytes: number }): Promise<ExtractedLayer | undefined>;
  /** Best effort: a failed write leaves no entry behind. */
  put(layerDigest: string, setVersion: string, layer: ExtractedLayer): Promise<void>;
}

export const noLayerCache: LayerCache = {
  get: () => Promise.resolve(undefined),
  put: () => Promise.resolve(),
};

interface Header {
  readonly v: 1;
  readonly files: { path: string; size: number; mode: number }[];
  readonly whiteouts: string[];
  readonly opaqueDirs: string[];
  readonly symlinks: { path: string; target: string }[];
  readonly hardlinks: { path: string; target: string }[];
  readonly written: string[];
  readonly skippedTooLarge: { path: string; size: number; limit: number }[];
}

let spillSeq = 0;

export class FsLayerCache implements LayerCache {
  private total: number | undefined;

  constructor(private readonly dir: string, private readonly maxBytes: number) {}

  private fileFor(layerDigest: string, setVersion: string): string {
    const name = createHash('sha256').update(`${layerDigest}\n${setVersion}`).digest('hex');
    return join(this.dir, `${name}.layer`);
  }

  async get(layerDigest: string, setVersion: string, opts: { spillDir: string; inMemoryBytes: number }): Promise<ExtractedLayer | undefined> {
    const file = this.fileFor(layerDigest, setVersion);
    let fh;
    try {
      fh = await open(file, 'r');
    } catch {
      return undefined;
    }
    const spills: string[] = [];
    try {
      const lenBuf = Buffer.alloc(4);
      await fh.read(lenBuf, 0, 4, 0);
      const headerLen = lenBuf.readUInt32BE(0);
      const headerBuf = Buffer.alloc(headerLen);
      await fh.read(headerBuf, 0, headerLen, 4);
      const h = JSON.parse(headerBuf.toString('utf8')) as Header;
      if (h.v !== 1) return undefined;
      let offset = 4 + headerLen;
      const files: ExtractedFile[] = [];
      for (const f of h.files) {
        if (f.size > opts.inMemoryBytes) {
          const spillPath = join(opts.spillDir, `c${process.pid}-${++spillSeq}`);
          spills.push(spillPath);
          if (f.size > 0) await pipeline(createReadStream(file, { start: offset, end: offset + f.size - 1 }), createWriteStream(spillPath));
          files.push({ ...f, spillPath });
        } else {
          const data = new Uint8Array(f.size);
          if (f.size > 0) await fh.read(data, 0, f.size, offset);
          files.push({ ...f, data });
        }
        offset += f.size;
      }
      const now = new Date();
      await utimes(file, now, now).catch(() => undefined); // LRU: recently used entries survive eviction
      const { files: _f, v: _v, ...rest } = h;
      return { ...rest, files };
    } catch {
      for (const s of spills) await rm(s, { force: true });
      await rm(file, { force: true }); // a corrupt entry is dropped, the layer is read again
      return undefined;
    } finally {
      await fh.close();
    }
  }

  async put(layerDigest: string, setVersion: string, layer: ExtractedLayer): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = this.fileFor(layerDigest, setVersion);
    const tmp = `${file}.${randomUUID()}.tmp`;
    const header: Header = {
      v: 1,
      files: layer.files.map((f) => ({ path: f.path, size: f.size, mode: f.mode })),
      whiteouts: layer.whiteouts,
      opaqueDirs: layer.opaqueDirs,
      symlinks: layer.symlinks,
      hardlinks: layer.hardlinks,
      written: layer.written,
      skippedTooLarge: layer.skippedTooLarge,
    };
    const headerBuf = Buffer.from(JSON.stringify(header), 'utf8');
    const lenBuf = Buffer.alloc(4);
    lenBuf.writeUInt32BE(headerBuf.length, 0);
    try {
      const out = createWriteStream(tmp);
      const write = (b: Uint8Array): Promise<void> =>
        new Promise((resolve, reject) => {
          if (out.write(b)) resolve();
          else out.once('drain', resolve).once('error', reject);
        });
      await write(lenBuf);
      await write(headerBuf);
      for (const f of layer.files) {
        if (f.data) await write(f.data);
        else if (f.spillPath !== undefined && f.size > 0) {
          const range = f.spillOffset === undefined ? {} : { start: f.spillOffset, end: f.spillOffset + f.size - 1 };
          for await (const c of createReadStream(f.spillPath, range)) await write(c as Buffer);
        }
      }
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      await rename(tmp, file);
    } catch {
      await rm(tmp, { force: true });
      return;
    }
    const size = (await stat(file).catch(() => undefined))?.size ?? 0;
    this.total = (this.total ?? (await this.scanTotal())) + size;
    if (this.total > this.maxBytes) await this.evict();
  }

  private async entries(): Promise<{ path: string; size: number; mtime: number }[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out: { path: string; size: number; mtime: number }[] = [];
    for (const n of names) {
      if (!n.endsWith('.layer')) continue;
      const st = await stat(join(this.dir, n)).catch(() => undefined);
      if (st) out.push({ path: join(this.dir, n), size: st.size, mtime: st.mtimeMs });
    }
    return out;
  }

  private async scanTotal(): Promise<number> {
    return (await this.entries()).reduce((a, e) => a + e.size, 0);
  }

  /** Removes least recently used entries until the cache is under 90 % of its bound. */
  private async evict(): Promise<void> {
    const all = (await this.entries()).sort((a, b) => a.mtime - b.mtime);
    let total = all.reduce((a, e) => a + e.size, 0);
    for (const e of all) {
      if (total <= this.maxBytes * 0.9) break;
      await rm(e.path, { force: true });
      total -= e.size;
    }
    this.total = total;
  }
}
