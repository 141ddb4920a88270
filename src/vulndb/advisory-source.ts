/**
 * The one interface every advisory feed parser implements: read a local file or directory (the online
 * path downloads to a temp file first) and yield normalized records as an async stream. Bad records are
 * reported to `issues` and skipped; only an unreadable input as a whole (a corrupt zip, a file that is
 * not JSON at all) rejects, so the caller can keep the previous data in force.
 */
import type { SourceRecord } from './advisory.js';

export interface SourceIssue {
  /** File, zip entry or "pkg/CVE" where the problem is. */
  readonly where: string;
  readonly message: string;
}

export interface ReadOptions {
  readonly issues: (issue: SourceIssue) => void;
  readonly signal?: AbortSignal;
}

export type SourceName = 'osv' | 'debian' | 'alpine' | 'nvd' | 'kev' | 'epss';

export interface AdvisorySource {
  readonly name: SourceName;
  /** A distro's own data: preferred over re-published copies for packages of that distro. */
  readonly distro: boolean;
  /** Default public feed URL(s) for `db update`. */
  readonly defaultUrls: readonly string[];
  read(path: string, opts: ReadOptions): AsyncIterable<SourceItem>;
}

/**
 * A record, or a snapshot marker: the input is complete for every record key starting with `prefix`,
 * so stored keys under it that this read did not produce are removed (e.g. CVEs dropped from the tracker).
 */
export type SourceItem = SourceRecord | { readonly kind: 'snapshot'; readonly prefix: string };

/** Limits shared by the parsers (untrusted downloads). */
export const LIMITS = {
  /** One OSV record / one Debian package object. */
  maxRecordBytes: 16 * 1024 * 1024,
  /** A whole JSON document parsed at once (KEV, NVD page, Alpine secdb branch). */
  maxDocumentBytes: 256 * 1024 * 1024,
  maxZipEntries: 2_000_000,
  maxDirDepth: 16,
  maxJsonDepth: 64,
  maxStringLength: 1024 * 1024,
  maxListLength: 100_000,
} as const;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown, max: number = LIMITS.maxStringLength): string | undefined {
  return typeof v === 'string' && v.length <= max ? v : undefined;
}

/**
 * Whether raw JSON bytes nest deeper than `limit`, by one pass over the bytes (strings skipped): far
 * cheaper than walking the parsed value, so every record can be checked before JSON.parse.
 */
export function jsonBytesTooDeep(buf: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Nesting depth of a parsed JSON value, stopping early once `limit` is exceeded. */
export function jsonDepthExceeds(v: unknown, limit: number, depth = 0): boolean {
  if (depth > limit) return true;
  if (typeof v !== 'object' || v === null) return false;
  for (const child of Array.isArray(v) ? v : Object.values(v)) if (jsonDepthExceeds(child, limit, depth + 1)) return true;
  return false;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
