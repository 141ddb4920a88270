/**
 * The PostgreSQL dialect layer: a pg connection pool behind Kysely, the shared migrations, and the
 * type parsing that makes rows look like SQLite's (64-bit integers as numbers — sizes and counts stay
 * far below 2^53). PostgreSQL-only settings belong here and nowhere else.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { KyselyMetadataStore } from '../kysely/kysely-metadata-store.js';
import { migratedOrClosed } from '../kysely/migrations/index.js';
import type { Database } from '../kysely/schema/index.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

export interface PostgresOptions {
  /** Pool size per process (several processes share one server). */
  readonly maxConnections?: number;
  /** Told when an idle pooled connection fails (server restart, administrator termination). */
  readonly onIdleError?: (err: Error) => void;
}

/** Connects to `url` (postgres://…), migrates (serialized across processes by Kysely's lock table) and returns the handle. */
export async function openPostgresDatabase(url: string, opts: PostgresOptions = {}): Promise<Kysely<Database>> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.maxConnections ?? 10,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID || oid === NUMERIC_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // Without a listener, an idle connection dropped by the server would crash the process; the pool
  // discards that connection and opens a new one on the next query.
  pool.on('error', (err) => opts.onIdleError?.(err));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return migratedOrClosed(db);
}

/** The registry metadata store over its own PostgreSQL pool; closing it closes the pool. */
export async function openPostgresMetadataStore(url: string): Promise<KyselyMetadataStore> {
  const db = await openPostgresDatabase(url);
  return new KyselyMetadataStore(db, () => db.destroy());
}
