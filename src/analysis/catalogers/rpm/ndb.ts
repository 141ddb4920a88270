/**
 * Reads rpm's NDB package database (`Packages.db`, SUSE's default backend): a little-endian file header,
 * slot pages pointing at blobs, and blobs framed by a head (magic, package index, timestamp, length) and a
 * tail (adler32, length, magic). Layout from rpm's lib/backend/ndb/rpmpkg.c; every slot is bounds-checked.
 */
import type { RawBlobs } from './bdb.js';

const fourcc = (s: string): number => s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | ((s.charCodeAt(3) << 24) >>> 0);
const DB_MAGIC = fourcc('RpmP') >>> 0;
const SLOT_MAGIC = fourcc('Slot') >>> 0;
const BLOB_HEAD_MAGIC = fourcc('BlbS') >>> 0;
const BLOB_TAIL_MAGIC = fourcc('BlbE') >>> 0;

export const NDB_PAGE_SIZE = 4096;
export const NDB_HEADER_SIZE = 32;
export const NDB_SLOT_SIZE = 16;
export const NDB_BLK_SIZE = 16;
const BLOB_HEAD = 16;
const BLOB_TAIL = 12;
/** More slot pages than any real database has (256 slots each); bounds the slot scan. */
const MAX_SLOT_PAGES = 4096;

export function readNdb(buf: Uint8Array): RawBlobs {
  const issues: string[] = [];
  const blobs: Uint8Array[] = [];
  if (buf.length < NDB_HEADER_SIZE) return { blobs, issues: [`not an rpm NDB database (${buf.length} bytes)`] };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u32 = (at: number): number => view.getUint32(at, true);
  if (u32(0) !== DB_MAGIC) return { blobs, issues: ['not an rpm NDB database (bad magic)'] };
  if (u32(4) !== 0) return { blobs, issues: [`unsupported NDB version ${u32(4)}`] };
  const slotPages = u32(12);
  if (slotPages < 1 || slotPages > MAX_SLOT_PAGES) return { blobs, issues: [`NDB slot page count ${slotPages} out of range`] };
  const fileBlks = Math.floor(buf.length / NDB_BLK_SIZE);
  const firstDataBlk = (slotPages * NDB_PAGE_SIZE) / NDB_BLK_SIZE;
  const slotEnd = Math.min(slotPages * NDB_PAGE_SIZE, buf.length);
  if (slotPages * NDB_PAGE_SIZE > buf.length) issues.push(`NDB file truncated inside its ${slotPages} slot pages`);

  for (let at = NDB_HEADER_SIZE; at + NDB_SLOT_SIZE <= slotEnd; at += NDB_SLOT_SIZE) {
    if (u32(at) !== SLOT_MAGIC) {
      issues.push(`NDB slot at byte ${at} has a bad magic; slot scan stopped`);
      break;
    }
    const pkgIdx = u32(at + 4);
    const blkOff = u32(at + 8);
    const blkCnt = u32(at + 12);
    if (blkOff === 0) continue; // free slot
    if (pkgIdx === 0 || blkCnt === 0 || blkOff < firstDataBlk || blkOff + blkCnt > fileBlks) {
      issues.push(`NDB slot for package ${pkgIdx} points outside the file (block ${blkOff} + ${blkCnt})`);
      continue;
    }
    const blob = readBlob(pkgIdx, blkOff * NDB_BLK_SIZE, blkCnt * NDB_BLK_SIZE);
    if (typeof blob === 'string') issues.push(`NDB package ${pkgIdx}: ${blob}`);
    else blobs.push(blob);
  }
  return { blobs, issues };

  function readBlob(pkgIdx: number, off: number, span: number): Uint8Array | string {
    if (span < BLOB_HEAD + BLOB_TAIL) return 'blob smaller than its framing';
    if (u32(off) !== BLOB_HEAD_MAGIC) return 'bad blob head magic';
    if (u32(off + 4) !== pkgIdx) return 'blob belongs to another package index';
    const len = u32(off + 12);
    if (Math.ceil((BLOB_HEAD + len + BLOB_TAIL) / NDB_BLK_SIZE) * NDB_BLK_SIZE !== span) return `blob length ${len} does not match its ${span}-byte slot`;
    const tail = off + span - BLOB_TAIL;
    if (u32(tail + 8) !== BLOB_TAIL_MAGIC || u32(tail + 4) !== len) return 'bad blob tail';
    if (adler32(buf.subarray(off, tail)) !== u32(tail)) return 'blob checksum mismatch';
    return buf.subarray(off + BLOB_HEAD, off + BLOB_HEAD + len);
  }
}

/** RFC 1950 adler32, as NDB computes it over the blob head, data and padding. */
export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  // 5552 is the largest run before the sums can overflow 2^32 (zlib's NMAX).
  for (let i = 0; i < data.length; ) {
    const stop = Math.min(i + 5552, data.length);
    for (; i < stop; i++) {
      a += data[i] ?? 0;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
