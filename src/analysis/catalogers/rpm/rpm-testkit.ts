/**
 * Test-only builders for rpm databases written from the documented layouts: header blobs (with an immutable
 * region like rpm writes), NDB `Packages.db` files and small Berkeley DB hash files with overflow chains.
 * They let the readers be tested on shapes no tool here can produce (NDB) and on deliberate corruption.
 */
import Database from 'better-sqlite3';
import { adler32, NDB_BLK_SIZE, NDB_HEADER_SIZE, NDB_PAGE_SIZE, NDB_SLOT_SIZE } from './ndb.js';

export type TagValue =
  | { readonly tag: number; readonly string: string }
  | { readonly tag: number; readonly strings: readonly string[] }
  | { readonly tag: number; readonly int32: readonly number[] };

const enc = new TextEncoder();

/** A header blob as rpm stores it in the database: il, dl, region entry first, then tags, trailer last. */
export function buildHeader(tags: readonly TagValue[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  let dl = 0;
  const index: [number, number, number, number][] = [];
  for (const t of tags) {
    let bytes: Uint8Array;
    let type: number;
    let count: number;
    if ('string' in t) {
      bytes = enc.encode(`${t.string}\0`);
      type = 6;
      count = 1;
    } else if ('strings' in t) {
      bytes = enc.encode(t.strings.map((s) => `${s}\0`).join(''));
      type = 8;
      count = t.strings.length;
    } else {
      const pad = (4 - (dl % 4)) % 4;
      if (pad) {
        chunks.push(new Uint8Array(pad));
        dl += pad;
      }
      bytes = new Uint8Array(t.int32.length * 4);
      const v = new DataView(bytes.buffer);
      t.int32.forEach((n, i) => v.setUint32(i * 4, n));
      type = 4;
      count = t.int32.length;
    }
    index.push([t.tag, type, dl, count]);
    chunks.push(bytes);
    dl += bytes.length;
  }
  // Immutable region: entry (tag 63, BIN, 16 bytes) whose trailer at the end of the data points back by -il*16.
  const il = index.length + 1;
  const trailer = new Uint8Array(16);
  const tv = new DataView(trailer.buffer);
  tv.setUint32(0, 63);
  tv.setUint32(4, 7);
  tv.setInt32(8, -il * 16);
  tv.setUint32(12, 16);
  index.unshift([63, 7, dl, 16]);
  chunks.push(trailer);
  dl += 16;
  const out = new Uint8Array(8 + il * 16 + dl);
  const v = new DataView(out.buffer);
  v.setUint32(0, il);
  v.setUint32(4, dl);
  index.forEach(([tag, type, off, count], i) => {
    v.setUint32(8 + i * 16, tag);
    v.setUint32(12 + i * 16, type);
    v.setInt32(16 + i * 16, off);
    v.setUint32(20 + i * 16, count);
  });
  let at = 8 + il * 16;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The minimal tags of an installed package. */
export function packageHeader(
  p: { name: string; version: string; release: string; epoch?: number; arch?: string; sourceRpm?: string; license?: string },
  extra: readonly TagValue[] = [],
): Uint8Array {
  const tags: TagValue[] = [
    { tag: 1000, string: p.name },
    { tag: 1001, string: p.version },
    { tag: 1002, string: p.release },
  ];
  if (p.epoch !== undefined) tags.push({ tag: 1003, int32: [p.epoch] });
  if (p.license) tags.push({ tag: 1014, string: p.license });
  if (p.arch) tags.push({ tag: 1022, string: p.arch });
  if (p.sourceRpm) tags.push({ tag: 1044, string: p.sourceRpm });
  return buildHeader([...tags, ...extra]);
}

/** An NDB Packages.db holding `blobs` as package indexes 1..n, one slot page. */
export function buildNdb(blobs: readonly Uint8Array[]): Uint8Array {
  const framed = blobs.map((b, i) => {
    const span = Math.ceil((16 + b.length + 12) / NDB_BLK_SIZE) * NDB_BLK_SIZE;
    const f = new Uint8Array(span);
    const v = new DataView(f.buffer);
    f.set(enc.encode('BlbS'), 0);
    v.setUint32(4, i + 1, true);
    v.setUint32(8, 1_700_000_000, true);
    v.setUint32(12, b.length, true);
    f.set(b, 16);
    v.setUint32(span - 12, adler32(f.subarray(0, span - 12)), true);
    v.setUint32(span - 8, b.length, true);
    f.set(enc.encode('BlbE'), span - 4);
    return f;
  });
  const total = NDB_PAGE_SIZE + framed.reduce((n, f) => n + f.length, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  out.set(enc.encode('RpmP'), 0);
  v.setUint32(8, 1, true); // generation
  v.setUint32(12, 1, true); // slot pages
  v.setUint32(16, blobs.length + 1, true); // next package index
  for (let at = NDB_HEADER_SIZE; at < NDB_PAGE_SIZE; at += NDB_SLOT_SIZE) out.set(enc.encode('Slot'), at);
  let blk = NDB_PAGE_SIZE / NDB_BLK_SIZE;
  framed.forEach((f, i) => {
    const slot = NDB_HEADER_SIZE + i * NDB_SLOT_SIZE;
    v.setUint32(slot + 4, i + 1, true);
    v.setUint32(slot + 8, blk, true);
    v.setUint32(slot + 12, f.length / NDB_BLK_SIZE, true);
    out.set(f, blk * NDB_BLK_SIZE);
    blk += f.length / NDB_BLK_SIZE;
  });
  return out;
}

/**
 * A Berkeley DB hash file (little-endian unless asked otherwise): metadata page, one hash page with a (key, off-page value) pair per
 * blob, and each value in its own chain of overflow pages. Returns the file and each value's first page.
 */
export function buildBdb(values: readonly Uint8Array[], pageSize = 512, littleEndian = true): { file: Uint8Array; chains: number[][] } {
  const le = littleEndian;
  const perPage = pageSize - 26;
  const chains: number[][] = [];
  let next = 2;
  for (const val of values) {
    const n = Math.max(1, Math.ceil(val.length / perPage));
    chains.push(Array.from({ length: n }, (_, i) => next + i));
    next += n;
  }
  const pages = next;
  const out = new Uint8Array(pages * pageSize);
  const v = new DataView(out.buffer);
  v.setUint32(12, 0x061561, le);
  v.setUint32(16, 9, le);
  v.setUint32(20, pageSize, le);
  out[25] = 8; // hash metadata
  v.setUint32(32, pages - 1, le); // last page
  // Hash page 1: entries packed from the end: key (5 bytes: H_KEYDATA + 4-byte key), value (12-byte HOFFPAGE).
  const hp = pageSize;
  out[hp + 25] = 13;
  v.setUint32(hp + 8, 1, le);
  let hi = pageSize;
  const inp: number[] = [];
  values.forEach((val, i) => {
    hi -= 5;
    out[hp + hi] = 1;
    v.setUint32(hp + hi + 1, i + 1, le);
    inp.push(hi);
    hi -= 12;
    out[hp + hi] = 3;
    v.setUint32(hp + hi + 4, chains[i]?.[0] ?? 0, le);
    v.setUint32(hp + hi + 8, val.length, le);
    inp.push(hi);
  });
  if (26 + inp.length * 2 > hi) throw new Error('too many values for one hash page');
  v.setUint16(hp + 20, inp.length, le);
  v.setUint16(hp + 22, hi, le);
  inp.forEach((o, i) => v.setUint16(hp + 26 + i * 2, o, le));
  values.forEach((val, i) => {
    const chain = chains[i] ?? [];
    chain.forEach((pg, j) => {
      const base = pg * pageSize;
      const part = val.subarray(j * perPage, (j + 1) * perPage);
      out[base + 25] = 7;
      v.setUint32(base + 8, pg, le);
      v.setUint32(base + 16, chain[j + 1] ?? 0, le);
      v.setUint16(base + 22, part.length, le);
      out.set(part, base + 26);
    });
  });
  return { file: out, chains };
}

/** An rpmdb.sqlite image with rpm's Packages table holding `blobs`. */
export function buildSqlite(blobs: readonly Uint8Array[]): Uint8Array {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
  for (const b of blobs) insert.run(Buffer.from(b));
  const out = db.serialize();
  db.close();
  return out;
}
