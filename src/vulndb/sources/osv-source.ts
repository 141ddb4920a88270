/**
 * OSV feeds: a directory of OSV JSON files at any depth, a single OSV JSON file, or an osv.dev-style
 * `<ecosystem>/all.zip`, read entry by entry with yauzl (never the whole archive in memory).
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { errorMessage, jsonBytesTooDeep, LIMITS, type AdvisorySource, type ReadOptions, type SourceItem } from '../advisory-source.js';
import { parseOsvRecord } from './osv-record.js';
import { BlockReader } from './zip-reader.js';

/** The osv.dev export bucket; `<ecosystem>/all.zip` below it. */
export const OSV_BUCKET = 'https://osv-vulnerabilities.storage.googleapis.com';
export const DEFAULT_OSV_ECOSYSTEMS = ['Go', 'PyPI', 'crates.io', 'npm', 'Maven', 'NuGet', 'RubyGems', 'Packagist', 'Debian', 'Alpine', 'Ubuntu'];

export function osvZipUrl(ecosystem: string, base = OSV_BUCKET): string {
  return `${base}/${encodeURIComponent(ecosystem)}/all.zip`;
}

async function readLimited(stream: Readable, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const c of stream as AsyncIterable<Buffer>) {
    got += c.length;
    if (got > max) {
      stream.destroy();
      return undefined;
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

function* parseBuffer(where: string, buf: Buffer | undefined, opts: ReadOptions): Generator<SourceItem> {
  if (buf === undefined) {
    opts.issues({ where, message: `larger than ${LIMITS.maxRecordBytes} bytes` });
    return;
  }
  if (jsonBytesTooDeep(buf, LIMITS.maxJsonDepth)) {
    opts.issues({ where, message: `nested deeper than ${LIMITS.maxJsonDepth}` });
    return;
  }
  let obj: unknown;
  try {
    obj = JSON.parse(buf.toString('utf8'));
  } catch (err) {
    opts.issues({ where, message: `invalid JSON: ${errorMessage(err)}` });
    return;
  }
  const adv = parseOsvRecord(obj);
  if (typeof adv === 'string') opts.issues({ where, message: adv });
  else yield { kind: 'advisory', key: adv.id, advisory: adv };
}

async function* walk(dir: string, depth: number, opts: ReadOptions): AsyncGenerator<string> {
  if (depth > LIMITS.maxDirDepth) {
    opts.issues({ where: dir, message: 'directory nesting too deep; skipped' });
    return;
  }
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* walk(p, depth + 1, opts);
    else if (e.isFile() && e.name.endsWith('.json')) yield p;
  }
}

/**
 * Whole small file, or undefined when it is larger than `max` (checked before reading). Synchronous on
 * purpose: OSV records are a few KB each, and the promise FileHandle API's open/stat/read/close round
 * trips through the thread pool cost more than the reads themselves (they dominated import profiles).
 */
function readFileLimited(path: string, max: number): Buffer | undefined {
  const fd = openSync(path, 'r');
  try {
    if (fstatSync(fd).size > max) return undefined;
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

async function isZip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(4);
    await fh.read(b, 0, 4, 0);
    return b.readUInt32LE(0) === 0x04034b50 || b.readUInt32LE(0) === 0x06054b50;
  } finally {
    await fh.close();
  }
}

/** Streams the JSON entries of an OSV zip. Rejects when the archive itself is corrupt. */
export async function* readOsvZip(path: string, opts: ReadOptions): AsyncGenerator<SourceItem> {
  const fh = await open(path, 'r');
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromRandomAccessReaderPromise(new BlockReader(fh, (await fh.stat()).size), (await fh.stat()).size, { lazyEntries: true, autoClose: true, validateEntrySizes: true });
  } catch (err) {
    await fh.close();
    throw err;
  }
  try {
    let count = 0;
    for await (const entry of zip.eachEntry()) {
      opts.signal?.throwIfAborted();
      if (++count > LIMITS.maxZipEntries) throw new Error(`zip has more than ${LIMITS.maxZipEntries} entries`);
      if (entry.fileName.endsWith('/') || !entry.fileName.endsWith('.json')) continue;
      const where = `${path}!${entry.fileName}`;
      if (entry.uncompressedSize > LIMITS.maxRecordBytes) {
        opts.issues({ where, message: 'entry too large; skipped' });
        continue;
      }
      // Raw bytes, inflated synchronously here: small records make the thread-pool hop of async
      // inflate the bottleneck. yauzl does not check CRCs, so we do; a mismatch means a corrupt archive.
      const raw = await readLimited(await zip.openReadStreamPromise(entry, { decompress: false }), LIMITS.maxRecordBytes);
      if (raw === undefined) throw new Error(`${where}: compressed entry larger than declared`);
      let data: Buffer;
      if (entry.compressionMethod === 0) data = raw;
      else if (entry.compressionMethod === 8) data = inflateRawSync(raw, { maxOutputLength: LIMITS.maxRecordBytes });
      else {
        opts.issues({ where, message: `unsupported compression method ${entry.compressionMethod}` });
        continue;
      }
      if (data.length !== entry.uncompressedSize || crc32(data) !== entry.crc32) throw new Error(`${where}: corrupt zip entry (size or CRC mismatch)`);
      yield* parseBuffer(where, data, opts);
    }
  } finally {
    zip.close();
  }
}

export const osvSource: AdvisorySource = {
  name: 'osv',
  distro: false,
  defaultUrls: DEFAULT_OSV_ECOSYSTEMS.map((e) => osvZipUrl(e)),
  async *read(path: string, opts: ReadOptions): AsyncGenerator<SourceItem> {
    const st = await stat(path);
    if (st.isDirectory()) {
      for await (const file of walk(path, 0, opts)) {
        opts.signal?.throwIfAborted();
        yield* parseBuffer(file, readFileLimited(file, LIMITS.maxRecordBytes), opts);
      }
    } else if (await isZip(path)) {
      yield* readOsvZip(path, opts);
    } else {
      yield* parseBuffer(path, readFileLimited(path, LIMITS.maxRecordBytes), opts);
    }
  },
};
