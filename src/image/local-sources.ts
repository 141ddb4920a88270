/**
 * Local image sources for `crowsnest scan/sbom`: `docker-archive:FILE.tar` (docker save; entries are
 * streamed out of the outer tar, never loaded whole), `dir:ROOTFS` as an ImageFs over a directory,
 * and the selector that combines every cataloger's `selects`/`maxFileBytes`.
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { Cataloger } from '../analysis/cataloger.js';
import { ManifestInvalidError, NotFoundError } from '../core/errors.js';
import type { ExtractedFile, ExtractedLayer, Selector } from './layer-extractor.js';
import { assembleImageFs, type DisposableImageFs } from './image-fs.js';
import { normalizeEntryPath } from './layer-stream.js';

/** Keeps an entry when any cataloger selects it, capped at the largest `maxFileBytes` among those. */
export function selectorFor(catalogers: readonly Cataloger[]): Selector {
  return (e) => {
    let cap = -1;
    for (const c of catalogers) if (c.maxFileBytes > cap && c.selects(e)) cap = c.maxFileBytes;
    return cap < 0 ? false : cap;
  };
}

/** Streams the body of entry `name` out of a tar file; rejects with NotFoundError if absent. */
export function openTarEntry(file: string, name: string): Promise<Readable> {
  const want = normalizeEntryPath(name);
  return new Promise((resolve, reject) => {
    const src = createReadStream(file, { highWaterMark: 1024 * 1024 });
    const ex = tarStream.extract();
    let found = false;
    ex.on('entry', (h, stream, next) => {
      if (!found && normalizeEntryPath(h.name) === want && (h.type === 'file' || h.type === 'contiguous-file')) {
        found = true;
        const out = new PassThrough();
        stream.pipe(out);
        // Stop reading the outer tar once the entry is done.
        stream.on('end', () => src.destroy());
        out.on('close', () => src.destroy());
        resolve(out);
        return;
      }
      stream.on('end', next);
      stream.resume();
    });
    ex.on('finish', () => {
      if (!found) reject(new NotFoundError(`${name} in ${file}`));
    });
    ex.on('error', (e: unknown) => {
      if (!found) reject(e instanceof Error ? e : new Error(String(e)));
    });
    src.on('error', reject);
    src.pipe(ex);
  });
}

async function readTarEntry(file: string, name: string, maxBytes: number): Promise<Buffer> {
  const s = await openTarEntry(file, name);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of s) {
    n += (c as Buffer).length;
    if (n > maxBytes) {
      s.destroy();
      throw new ManifestInvalidError(`${name} larger than ${maxBytes} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface DockerArchiveImage {
  readonly config: Uint8Array;
  readonly repoTags: readonly string[];
  /** Paths of the layer entries inside the archive, lowest first. */
  readonly layerPaths: readonly string[];
  openLayer(index: number): Promise<Readable>;
}

/** Reads `manifest.json` of a `docker save` archive; `index` picks the image when there are several. */
export async function readDockerArchive(file: string, index = 0): Promise<DockerArchiveImage> {
  const mf: unknown = JSON.parse((await readTarEntry(file, 'manifest.json', 4 * 1024 * 1024)).toString('utf8'));
  const entry = Array.isArray(mf) ? (mf[index] as { Config?: unknown; Layers?: unknown; RepoTags?: unknown } | undefined) : undefined;
  if (typeof entry?.Config !== 'string' || !Array.isArray(entry.Layers)) {
    throw new ManifestInvalidError('docker archive manifest.json has no image entry');
  }
  const layerPaths = entry.Layers.filter((l): l is string => typeof l === 'string');
  const config = await readTarEntry(file, entry.Config, 4 * 1024 * 1024);
  return {
    config,
    repoTags: Array.isArray(entry.RepoTags) ? entry.RepoTags.filter((t): t is string => typeof t === 'string') : [],
    layerPaths,
    openLayer: (i) => {
      const p = layerPaths[i];
      if (p === undefined) return Promise.reject(new NotFoundError(`layer ${i}`));
      return openTarEntry(file, p);
    },
  };
}

/** An ImageFs over an unpacked root filesystem (`dir:ROOTFS`), as a single layer 0. */
export async function dirImageFs(root: string, selector: Selector, maxEntries = 1_000_000): Promise<DisposableImageFs> {
  const layer: ExtractedLayer = { files: [], whiteouts: [], opaqueDirs: [], symlinks: [], hardlinks: [], written: [], skippedTooLarge: [] };
  let seen = 0;
  const stack = ['/'];
  while (stack.length > 0) {
    const rel = stack.pop() ?? '/';
    const names = await readdir(join(root, rel)).catch(() => [] as string[]);
    for (const name of names) {
      if (++seen > maxEntries) break;
      const p = posix.join(rel, name);
      const abs = join(root, p);
      const st = await lstat(abs).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) stack.push(p);
      else if (st.isSymbolicLink()) layer.symlinks.push({ path: p, target: await readlink(abs) });
      else if (st.isFile()) {
        const sel = selector({ path: p, size: st.size, mode: st.mode & 0o7777 });
        if (sel === false) continue;
        const cap = sel === true ? 64 * 1024 * 1024 : sel;
        if (st.size > cap) {
          layer.skippedTooLarge.push({ path: p, size: st.size, limit: cap });
          continue;
        }
        const f: ExtractedFile = { path: p, size: st.size, mode: st.mode & 0o7777, data: await readFile(abs) };
        layer.files.push(f);
      }
    }
  }
  return assembleImageFs([layer]);
}
