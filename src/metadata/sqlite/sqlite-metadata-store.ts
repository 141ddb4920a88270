/**
 * The SQLite dialect layer: opens better-sqlite3 with WAL and a busy timeout (so `crowsnest gc`
 * can work next to a running server), runs migrations and returns the Kysely handle that every
 * domain store shares. SQLite-only settings belong here and nowhere else.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase as KyselySqliteDatabase } from 'kysely';
import { KyselyMetadataStore } from '../kysely/kysely-metadata-store.js';
import { migratedOrClosed } from '../kysely/migrations/index.js';
import type { Database } from '../kysely/schema/index.js';

/** Opens (creating if needed) the SQLite database at `path` (or ":memory:") and migrates it. */
export async function openSqliteDatabase(path: string): Promise<Kysely<Database>> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  // 64 MiB page cache (default 2 MiB): re-evaluation patches rows spread over multi-GB tables.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('busy_timeout = 5000');
  // Checkpoint after 64 MiB of WAL instead of SQLite's 4 MiB: a batched write (a re-evaluation of
  // thousands of images is ~20 MiB) then commits without copying pages back into the database first.
  sqlite.pragma('wal_autocheckpoint = 16384');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) });
  return migratedOrClosed(db);
}

/** The registry metadata store over its own SQLite database; closing it closes the database. */
export async function openSqliteMetadataStore(path: string): Promise<KyselyMetadataStore> {
  const db = await openSqliteDatabase(path);
  return new KyselyMetadataStore(db, () => db.destroy());
}

const MAX_CACHED_STATEMENTS = 256;

/**
 * Kysely's SQLite driver prepares every statement anew, which costs more than running it on the
 * pull hot path; our queries are a small fixed set of SQL texts, so prepared statements are reused.
 * Safe because Kysely runs one query at a time per connection and we never stream results.
 */
function cachingStatements(sqlite: SqliteDatabase.Database): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = sqlite.prepare(sql);
        if (cache.size >= MAX_CACHED_STATEMENTS) cache.clear();
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}
