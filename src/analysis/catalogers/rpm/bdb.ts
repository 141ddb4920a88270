/**
 * Reads the values of a Berkeley DB hash database (rpm's legacy `/var/lib/rpm/Packages`) straight from its
 * pages: no Berkeley DB binding exists for Node, and only a sequential read of key/value pairs is needed.
 * Page counts, overflow chains (with cycle detection) and every in-page offset are bounded.
 */

/** Hash database magic (db_page.h DB_HASHMAGIC); its byte order tells the byte order of the whole file. */
const HASH_MAGIC = 0x061561;
const PAGE_HEADER = 26;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_DUPLICATE = 2;
const H_OFFPAGE = 3;
const H_OFFDUP = 4;
/** DBMETA_CHKSUM: pages carry a checksum that moves the item index; rpm never creates such databases. */
const DBMETA_CHKSUM = 0x01;

/** Largest value assembled from overflow pages (rpm's header data limit plus its index). */
const MAX_VALUE_BYTES = 256 * 1024 * 1024 + 16 * 0xffff + 8;

export interface RawBlobs {
  readonly blobs: Uint8Array[];
  readonly issues: string[];
}

/**
 * Returns every data item of the hash database that is large enough to be an rpm header (the Packages
 * database also keeps a 4-byte record under key 0, which is skipped). Malformed structure becomes issues.
 */
export function readBdbHash(buf: Uint8Array): RawBlobs {
  const issues: string[] = [];
  const blobs: Uint8Array[] = [];
  if (buf.length < 512) return { blobs, issues: [`not a Berkeley DB hash database (${buf.length} bytes)`] };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let le: boolean;
  if (view.getUint32(12, true) === HASH_MAGIC) le = true;
  else if (view.getUint32(12, false) === HASH_MAGIC) le = false;
  else return { blobs, issues: ['not a Berkeley DB hash database (bad magic)'] };
  const u32 = (at: number): number => view.getUint32(at, le);
  const u16 = (at: number): number => view.getUint16(at, le);

  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    return { blobs, issues: [`Berkeley DB page size ${pageSize} is invalid`] };
  }
  if (view.getUint8(24) !== 0) return { blobs, issues: ['Berkeley DB database is encrypted'] };
  if (view.getUint8(25) !== P_HASHMETA) return { blobs, issues: ['Berkeley DB metadata page is not a hash metadata page'] };
  if ((view.getUint8(26) & DBMETA_CHKSUM) !== 0) return { blobs, issues: ['Berkeley DB database with page checksums is not supported'] };
  const declared = u32(32) + 1;
  const available = Math.floor(buf.length / pageSize);
  const pageCount = Math.min(declared, available);
  if (declared > available) issues.push(`Berkeley DB file truncated: ${declared} pages declared, ${available} present`);

  const pageType = (pg: number): number => view.getUint8(pg * pageSize + 25);
  let skippedDup = false;

  for (let pg = 1; pg < pageCount; pg++) {
    const type = pageType(pg);
    if (type !== P_HASH && type !== P_HASH_UNSORTED) continue;
    const base = pg * pageSize;
    const entries = u16(base + 20);
    if (PAGE_HEADER + entries * 2 > pageSize) {
      issues.push(`page ${pg}: ${entries} entries do not fit the page`);
      continue;
    }
    // Items sit at the end of the page in index order, so an item ends where the previous one starts.
    const itemStart = (i: number): number => u16(base + PAGE_HEADER + i * 2);
    for (let i = 1; i < entries; i += 2) {
      const start = itemStart(i);
      const end = itemStart(i - 1);
      if (start < PAGE_HEADER + entries * 2 || start >= end || end > pageSize) {
        issues.push(`page ${pg}: item ${i} offsets out of range`);
        continue;
      }
      const item = buf.subarray(base + start, base + end);
      const kind = item[0];
      if (kind === H_KEYDATA) {
        if (item.length - 1 >= 24) blobs.push(item.subarray(1));
      } else if (kind === H_OFFPAGE) {
        if (item.length < 12) {
          issues.push(`page ${pg}: item ${i} is a truncated off-page reference`);
          continue;
        }
        const value = readOverflow(u32(base + start + 4), u32(base + start + 8));
        if (typeof value === 'string') issues.push(`page ${pg}: item ${i}: ${value}`);
        else blobs.push(value);
      } else if (kind === H_DUPLICATE || kind === H_OFFDUP) {
        skippedDup = true;
      } else {
        issues.push(`page ${pg}: item ${i} has unknown type ${kind ?? -1}`);
      }
    }
  }
  if (skippedDup) issues.push('duplicate-key items skipped (rpm does not store duplicates in Packages)');
  return { blobs, issues };

  /** Concatenates an overflow chain; returns an error message on a bad page, a cycle or a length mismatch. */
  function readOverflow(first: number, total: number): Uint8Array | string {
    if (total > MAX_VALUE_BYTES) return `overflow value of ${total} bytes exceeds the limit`;
    const out = new Uint8Array(total);
    const seen = new Set<number>();
    let filled = 0;
    let pg = first;
    while (pg !== 0) {
      if (pg >= pageCount) return `overflow page ${pg} outside the file`;
      if (seen.has(pg)) return `overflow chain cycles at page ${pg}`;
      seen.add(pg);
      if (pageType(pg) !== P_OVERFLOW) return `page ${pg} in an overflow chain is not an overflow page`;
      const base = pg * pageSize;
      // On overflow pages the "high free offset" field holds the number of data bytes on the page.
      const len = u16(base + 22);
      if (PAGE_HEADER + len > pageSize) return `overflow page ${pg} claims ${len} bytes`;
      if (filled + len > total) return `overflow chain longer than its declared ${total} bytes`;
      out.set(buf.subarray(base + PAGE_HEADER, base + PAGE_HEADER + len), filled);
      filled += len;
      pg = u32(base + 16);
    }
    if (filled !== total) return `overflow chain holds ${filled} of ${total} bytes`;
    return out;
  }
}
