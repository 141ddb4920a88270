/**
 * Stage A of the analysis (STYLE §4.1): stream one layer once and keep only the files some
 * cataloger selects, plus whiteouts, opaque dirs and links. The result is plain data (large file
 * bodies spilled to a temp file and referenced by path) so it can be cached per (layerDigest, selectorSetHash).
 */
import type { Readable } from 'node:stream';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { posix } from 'node:path';
import type { FileEntryInfo } from '../analysis/cataloger.js';
import { defaultLayerLimits, readLayer, type LayerCounter, type LayerLimits } from './layer-stream.js';

/** `false` = skip; `true` = keep up to `defaultMaxFileBytes`; a number = keep up to that many bytes. */
export type Selector = (entry: FileEntryInfo) => boolean | number;

export interface ExtractLimits extends LayerLimits {
  /** Default per-file cap when the selector returns `true`. */
  readonly defaultMaxFileBytes: number;
  /** Bodies above this are written to `spillDir` instead of memory. */
  readonly inMemoryBytes: number;
  readonly spillDir?: string;
}

export const defaultExtractLimits: ExtractLimits = {
  ...defaultLayerLimits,
  defaultMaxFileBytes: 64 * 1024 * 1024,
  inMemoryBytes: 1024 * 1024,
};

export interface ExtractedFile {
  readonly path: string;
  readonly size: number;
  readonly mode: number;
  /** In-memory body, or `spillPath` for large files. */
  readonly data?: Uint8Array;
  readonly spillPath?: string;
  /** Where the body starts in `spillPath` when that is a layer's spill segment (many bodies); absent: the whole file. */
  readonly spillOffset?: number;
}

export interface ExtractedLayer {
  readonly files: ExtractedFile[];
  /** Paths deleted by `.wh.<name>` entries. */
  readonly whiteouts: string[];
  /** Directories whose lower-layer content is hidden (`.wh..wh..opq`). */
  readonly opaqueDirs: string[];
  readonly symlinks: { path: string; target: string }[];
  readonly hardlinks: { path: string; target: string }[];
  /** Every non-directory path written by this layer (so upper layers override lower files). */
  readonly written: string[];
  /** Entries selected but over their size cap: kept out, reported. */
  readonly skippedTooLarge: { path: string; size: number; limit: number }[];
}

let spillSeq = 0;

export async function extractLayer(
  blob: Readable,
  selector: Selector,
  limits: ExtractLimits = defaultExtractLimits,
  counter: LayerCounter = { bytes: 0, entries: 0 },
): Promise<ExtractedLayer> {
  const out: ExtractedLayer = {
    files: [],
    whiteouts: [],
    opaqueDirs: [],
    symlinks: [],
    hardlinks: [],
    written: [],
    skippedTooLarge: [],
  };
  const openFds = new Set<number>();
  let segment: { path: string; fd: number; end: number } | undefined;
  try {
    await readLayer(
      blob,
      (e) => {
        const base = posix.basename(e.path);
        if (base.startsWith('.wh.')) {
          const dir = posix.dirname(e.path);
          if (base === '.wh..wh..opq') out.opaqueDirs.push(dir);
          else out.whiteouts.push(posix.join(dir, base.slice(4)));
          return undefined;
        }
        if (e.type !== 'dir') out.written.push(e.path);
        if (e.type === 'symlink' && e.linkname !== undefined) {
          out.symlinks.push({ path: e.path, target: e.linkname });
          return undefined;
        }
        if (e.type === 'hardlink' && e.linkname !== undefined) {
          out.hardlinks.push({ path: e.path, target: e.linkname });
          return undefined;
        }
        if (e.type !== 'file') return undefined;
        const sel = selector({ path: e.path, size: e.size, mode: e.mode });
        if (sel === false) return undefined;
        const cap = sel === true ? limits.defaultMaxFileBytes : sel;
        if (e.size > cap) {
          out.skippedTooLarge.push({ path: e.path, size: e.size, limit: cap });
          return undefined;
        }
        if (e.size > limits.inMemoryBytes && limits.spillDir !== undefined) {
          // One spill segment per layer, bodies one after the other: a file per body cost an open, a
          // close and an unlink each (seconds for the tens of thousands of package.json of a node_modules).
          if (!segment) {
            const path = join(limits.spillDir, `s${process.pid}-${++spillSeq}`);
            segment = { path, fd: openSync(path, 'w'), end: 0 };
            openFds.add(segment.fd);
          }
          const seg = segment;
          const offset = seg.end;
          seg.end += e.size;
          out.files.push({ path: e.path, size: e.size, mode: e.mode, spillPath: seg.path, spillOffset: offset });
          let written = 0;
          return (chunk) => {
            writeSync(seg.fd, chunk, 0, chunk.length, offset + written);
            written += chunk.length;
          };
        }
        const data = new Uint8Array(e.size);
        let off = 0;
        out.files.push({ path: e.path, size: e.size, mode: e.mode, data });
        if (e.size === 0) return undefined;
        return (chunk) => {
          data.set(chunk, off);
          off += chunk.length;
        };
      },
      limits,
      counter,
    );
  } catch (err) {
    // A failed layer leaves nothing behind: close and delete what was spilled so far.
    for (const fd of openFds) closeSync(fd);
    disposeExtracted(out);
    throw err;
  }
  for (const fd of openFds) closeSync(fd);
  return out;
}

/** Deletes the spill files of an extraction result that will not be assembled (or is evicted from cache). */
export function disposeExtracted(layer: ExtractedLayer): void {
  for (const path of new Set(layer.files.map((f) => f.spillPath))) if (path !== undefined) rmSync(path, { force: true });
}
