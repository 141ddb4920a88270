/**
 * The squashed, read-only view of an image's selected files: overlays extracted layers in order
 * (whiteouts, opaque dirs, hardlinks) and resolves symlinks inside the image with a bounded hop count.
 */
import { closeSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { posix } from 'node:path';
import type { ImageFile, ImageFs } from '../analysis/cataloger.js';
import type { ExtractedFile, ExtractedLayer } from './layer-extractor.js';

const MAX_LINK_HOPS = 40;

interface Node {
  kind: 'file' | 'symlink';
  layerIndex: number;
  file?: ExtractedFile;
  target?: string;
}

/** Reads bodies out of spill segments, one open descriptor per segment for the life of the view. */
class SpillReader {
  private readonly fds = new Map<string, number>();

  read(f: ExtractedFile): Uint8Array {
    if (f.data) return f.data;
    if (f.spillPath === undefined) return new Uint8Array(0);
    if (f.spillOffset === undefined) return readFileSync(f.spillPath);
    let fd = this.fds.get(f.spillPath);
    if (fd === undefined) this.fds.set(f.spillPath, (fd = openSync(f.spillPath, 'r')));
    const out = Buffer.allocUnsafe(f.size);
    let done = 0;
    while (done < f.size) {
      const n = readSync(fd, out, done, f.size - done, f.spillOffset + done);
      if (n === 0) throw new Error(`spilled body of ${f.path} is truncated`);
      done += n;
    }
    return out;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

class OverlayFs implements ImageFs {
  private readonly reader = new SpillReader();

  constructor(private readonly nodes: Map<string, Node>, private readonly spills: ReadonlySet<string>) {}

  get(path: string): ImageFile | undefined {
    const resolved = this.resolve(posix.normalize('/' + path), 0);
    if (resolved === undefined) return undefined;
    const n = this.nodes.get(resolved);
    return n?.kind === 'file' && n.file ? toImageFile(resolved, n.file, n.layerIndex, this.reader) : undefined;
  }

  *files(): Iterable<ImageFile> {
    const paths = [...this.nodes.keys()].sort();
    for (const p of paths) {
      const n = this.nodes.get(p);
      if (n?.kind === 'file' && n.file) yield toImageFile(p, n.file, n.layerIndex, this.reader);
    }
  }

  /** Resolves symlinks in every path component; `undefined` on loops or too many hops. */
  private resolve(path: string, hops: number): string | undefined {
    const parts = path.split('/').filter(Boolean);
    let cur = '/';
    for (let i = 0; i < parts.length; i++) {
      const next = posix.join(cur, parts[i] ?? '');
      const n = this.nodes.get(next);
      if (n?.kind === 'symlink' && n.target !== undefined) {
        if (hops >= MAX_LINK_HOPS) return undefined;
        // Absolute targets are rooted at the image root, never the host.
        const target = n.target.startsWith('/') ? n.target : posix.join(cur, n.target);
        const rest = parts.slice(i + 1).join('/');
        return this.resolve(posix.normalize('/' + target + (rest ? '/' + rest : '')), hops + 1);
      }
      cur = next;
    }
    return cur;
  }

  dispose(): void {
    this.reader.close();
    for (const s of this.spills) rmSync(s, { force: true });
  }
}

function toImageFile(path: string, f: ExtractedFile, layerIndex: number, reader: SpillReader): ImageFile {
  const bytes = (): Uint8Array => reader.read(f);
  return {
    path,
    size: f.size,
    mode: f.mode,
    layerIndex,
    bytes: () => Promise.resolve(bytes()),
    text: () => Promise.resolve(Buffer.from(bytes()).toString('utf8')),
  };
}

export interface DisposableImageFs extends ImageFs {
  /** Deletes spilled temp files. */
  dispose(): void;
}

function removeTree(nodes: Map<string, Node>, path: string, keepSelf: boolean): void {
  const prefix = path === '/' ? '/' : path + '/';
  for (const k of [...nodes.keys()]) if (k.startsWith(prefix) || (!keepSelf && k === path)) nodes.delete(k);
}

/** Overlays per-layer extraction results, lowest layer first, into the final view. */
export function assembleImageFs(layers: readonly ExtractedLayer[]): DisposableImageFs {
  const nodes = new Map<string, Node>();
  const spills = new Set<string>();
  layers.forEach((layer, layerIndex) => {
    // Within one layer, opaque markers and whiteouts apply to lower layers only, so apply them first.
    for (const d of layer.opaqueDirs) removeTree(nodes, d, true);
    for (const w of layer.whiteouts) removeTree(nodes, w, false);
    // A path rewritten by this layer (as any type) hides the lower version.
    for (const p of layer.written) nodes.delete(p);
    for (const f of layer.files) {
      nodes.set(f.path, { kind: 'file', layerIndex, file: f });
      if (f.spillPath !== undefined) spills.add(f.spillPath);
    }
    for (const s of layer.symlinks) nodes.set(s.path, { kind: 'symlink', layerIndex, target: s.target });
    for (const h of layer.hardlinks) {
      const t = nodes.get(h.target);
      if (t?.kind === 'file') nodes.set(h.path, { ...t, layerIndex });
    }
  });
  return new OverlayFs(nodes, spills);
}
