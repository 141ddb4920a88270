/**
 * Reads header blobs from rpm's SQLite backend (`rpmdb.sqlite`, rpm >= 4.16: RHEL 9, Fedora 33+), table
 * `Packages(hnum, blob)`. The file is opened from memory with better-sqlite3 (read-only, no temp files);
 * a corrupt database becomes an issue.
 */
import Database from 'better-sqlite3';
import type { RawBlobs } from './bdb.js';

/** Bound on rows read, far above any real image (a full RHEL install has a few thousand packages). */
const MAX_ROWS = 200_000;

export function readSqliteRpmdb(buf: Uint8Array): RawBlobs {
  const issues: string[] = [];
  const blobs: Uint8Array[] = [];
  if (buf.length < 100 || new TextDecoder().decode(buf.subarray(0, 15)) !== 'SQLite format 3') {
    return { blobs, issues: ['not an SQLite database'] };
  }
  // rpm keeps its database in WAL mode; without the -wal file an in-memory copy only opens once the header's
  // read/write format bytes say "rollback journal". The copy also keeps the caller's buffer untouched.
  const copy = Buffer.from(buf);
  if (copy[18] === 2) copy[18] = 1;
  if (copy[19] === 2) copy[19] = 1;
  let db: Database.Database | undefined;
  try {
    db = new Database(copy, { readonly: true });
    let rows = 0;
    for (const row of db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').iterate() as IterableIterator<{ hnum: unknown; blob: unknown }>) {
      if (++rows > MAX_ROWS) {
        issues.push(`more than ${MAX_ROWS} rows in Packages; the rest were skipped`);
        break;
      }
      if (row.blob instanceof Uint8Array) blobs.push(row.blob);
      else issues.push(`Packages row ${String(row.hnum)} has no blob`);
    }
  } catch (err: unknown) {
    issues.push(`cannot read rpmdb.sqlite: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    db?.close();
  }
  return { blobs, issues };
}
