/**
 * Online updates: each feed is downloaded to a temporary file (size-limited; a short or cut body is an
 * error), then imported from that file in one transaction, which also verifies it (a zip that does not
 * open, JSON that does not parse). Any failure leaves the previous data of that feed in force.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { errorMessage, type SourceIssue } from './advisory-source.js';
import type { Feed } from './feeds.js';
import { sourceByName } from './sources/index.js';
import type { ImportResult, VulnDb } from './vulndb-store.js';

export interface UpdateOptions {
  /** Largest download accepted (default 2 GiB: the full NVD/OSV exports are large). */
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly onFeed?: (feed: Feed, phase: 'download' | 'import') => void;
  readonly onProgress?: (read: number) => void;
  readonly fetch?: typeof fetch;
}

export type FeedOutcome =
  | { readonly feed: Feed; readonly ok: true; readonly result: ImportResult; readonly bytes: number; readonly issues: readonly SourceIssue[] }
  | { readonly feed: Feed; readonly ok: false; readonly error: string };

/** Downloads `url` to `path`; rejects on HTTP errors, a body shorter than Content-Length, or a body above `maxBytes`. */
export async function download(url: string, path: string, opts: UpdateOptions = {}): Promise<number> {
  const maxBytes = opts.maxBytes ?? 2 * 1024 * 1024 * 1024;
  const signals = [AbortSignal.timeout(opts.timeoutMs ?? 30 * 60_000), ...(opts.signal ? [opts.signal] : [])];
  const res = await (opts.fetch ?? fetch)(url, { signal: AbortSignal.any(signals), redirect: 'follow', headers: { 'user-agent': 'crowsnest-vulndb' } });
  if (!res.ok || res.body === null) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const declared = res.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw new Error(`GET ${url}: ${declared} bytes is above the limit of ${maxBytes}`);
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      cb(size > maxBytes ? new Error(`GET ${url}: body above the limit of ${maxBytes} bytes`) : null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), count, createWriteStream(path));
  if (declared !== null && size !== Number(declared)) throw new Error(`GET ${url}: body ended after ${size} of ${declared} bytes`);
  return size;
}

/** Updates every feed in turn; one failing feed does not stop the others. */
export async function updateFeeds(db: VulnDb, feeds: readonly Feed[], opts: UpdateOptions = {}): Promise<FeedOutcome[]> {
  const out: FeedOutcome[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'crowsnest-vulndb-'));
  try {
    for (const [i, feed] of feeds.entries()) {
      const source = sourceByName(feed.source);
      if (!source) {
        out.push({ feed, ok: false, error: `unknown source ${feed.source}` });
        continue;
      }
      const file = join(dir, `feed-${i}`);
      try {
        opts.onFeed?.(feed, 'download');
        const bytes = await download(feed.url, file, opts);
        opts.onFeed?.(feed, 'import');
        const issues: SourceIssue[] = [];
        const result = await db.import(
          feed.source,
          source.read(file, { issues: (x) => issues.push(x), ...(opts.signal ? { signal: opts.signal } : {}) }),
          { origin: feed.url, skipped: () => issues.length, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) },
        );
        out.push({ feed, ok: true, result, bytes, issues });
      } catch (err) {
        out.push({ feed, ok: false, error: errorMessage(err) });
      } finally {
        await rm(file, { force: true });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}
