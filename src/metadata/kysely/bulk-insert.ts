/**
 * Multi-row inserts whose SQL is compiled once per (dialect, table, columns, row count) and then run
 * with new parameters. Kysely builds and compiles an operation node per value, which in vulnerability
 * data imports (tens of thousands of rows) cost about half as much again as the inserts themselves.
 */
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema/index.js';

type Db = Kysely<Database> | Transaction<Database>;
type Value = string | number | null;

/** Compiled SQL per dialect adapter (shared by a database handle and its transactions). */
const compiled = new WeakMap<object, Map<string, string>>();

/**
 * Inserts `rows` into `table` in statements of at most `batch` rows, setting exactly `columns` (a
 * column a row lacks is written as null).
 */
export async function insertRows<T extends keyof Database & string, C extends keyof Database[T] & string>(
  db: Db,
  table: T,
  columns: readonly C[],
  rows: readonly { readonly [K in C]?: Value }[],
  batch: number,
): Promise<void> {
  const adapter = db.getExecutor().adapter;
  let texts = compiled.get(adapter);
  if (texts === undefined) compiled.set(adapter, (texts = new Map()));
  for (let i = 0; i < rows.length; i += batch) {
    const part = rows.slice(i, i + batch);
    const key = `${table}\u0000${columns.join(',')}\u0000${part.length}`;
    let text = texts.get(key);
    if (text === undefined) {
      const sample = part.map(() => Object.fromEntries(columns.map((c) => [c, null])));
      text = db.insertInto(table).values(sample as never).compile().sql;
      texts.set(key, text);
    }
    const params: Value[] = [];
    for (const r of part) for (const c of columns) params.push(r[c] ?? null);
    await db.executeQuery(CompiledQuery.raw(text, params));
  }
}
