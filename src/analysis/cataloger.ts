/**
 * The cataloger contract. A cataloger has a name and an integer version (both part of cache keys),
 * a cheap path/size/mode selector consulted while layers stream by, and a catalog step that reads
 * the selected files from the squashed image filesystem. Malformed input is reported as `issues`,
 * never thrown: a broken METADATA file must not cost the dpkg results.
 */
import type { Logger } from '../core/log.js';
import type { Distro } from '../model/distro.js';
import type { Package } from '../model/package.js';

/** What is known about a tar entry before its bytes are read. */
export interface FileEntryInfo {
  /** Absolute, normalized posix path inside the image ("/var/lib/dpkg/status"). */
  readonly path: string;
  readonly size: number;
  /** Unix mode bits (permission bits; 0o111 tells executables). */
  readonly mode: number;
}

/** A regular file of the final image filesystem that some cataloger selected. */
export interface ImageFile extends FileEntryInfo {
  /** Index (0-based, in manifest order) of the layer that last wrote this file. */
  readonly layerIndex: number;
  bytes(): Promise<Uint8Array>;
  text(): Promise<string>;
}

/** Read-only, squashed (whiteouts applied) view over the selected files of an image. */
export interface ImageFs {
  /** The file at `path` after symlinks are resolved within the image; `undefined` when absent or not selected. */
  get(path: string): ImageFile | undefined;
  /** Every selected file, in path order. */
  files(): Iterable<ImageFile>;
}

export interface CatalogContext {
  readonly fs: ImageFs;
  readonly distro: Distro | undefined;
  /** The image config's environment (`KEY` → value), e.g. to read NODE_VERSION. */
  readonly env: Readonly<Record<string, string>>;
  readonly log: Logger;
  readonly signal: AbortSignal;
}

export interface CatalogIssue {
  readonly path: string;
  readonly message: string;
}

export interface CatalogResult {
  readonly packages: readonly Package[];
  readonly issues?: readonly CatalogIssue[];
}

export interface Cataloger {
  /** Stable kebab-case id, `<ecosystem>-<evidence>`: "dpkg-status", "apk-db", "npm-package-json". */
  readonly name: string;
  /** Bump whenever the output for the same input can change. */
  readonly version: number;
  /** Largest file this cataloger wants kept; bigger entries are skipped (and reported) by the engine. */
  readonly maxFileBytes: number;
  /** Pure and cheap: decides while streaming whether an entry is kept. No I/O. */
  selects(entry: FileEntryInfo): boolean;
  /** Reads the selected files from `ctx.fs` and returns packages with their locations' paths set. */
  catalog(ctx: CatalogContext): Promise<CatalogResult>;
}
