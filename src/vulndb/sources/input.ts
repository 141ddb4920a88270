/**
 * Opening feed files: transparent gunzip (NVD, EPSS and others publish .gz), a byte limit on whole
 * documents, and listing a directory of JSON files for feeds that come one record per file.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** The file's bytes as a stream, decompressed when it is gzip. */
export async function openFeed(path: string): Promise<Readable> {
  const raw = createReadStream(path);
  if (!(await isGzip(path))) return raw;
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

/** The whole (decompressed) document as text; throws when it is larger than `max` bytes. */
export async function readFeedText(path: string, max: number): Promise<string> {
  const stream = await openFeed(path);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > max) {
      stream.destroy();
      throw new Error(`${path}: larger than ${max} bytes`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** `path` itself, or the files under it (depth-limited, sorted) whose names end with one of `suffixes`. */
export async function feedFiles(path: string, suffixes: readonly string[], maxDepth = 8): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > maxDepth) return;
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) await walk(join(dir, e.name), depth + 1);
      else if (e.isFile() && suffixes.some((s) => e.name.endsWith(s))) out.push(join(dir, e.name));
    }
  };
  await walk(path, 0);
  return out;
}
