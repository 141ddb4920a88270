/**
 * Test support for the vulnerability database: an in-memory migrated database and a collector that
 * runs a source over a path and counts the issues it reports.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../metadata/kysely/schema/index.js';
import { openSqliteDatabase } from '../metadata/sqlite/sqlite-metadata-store.js';
import type { SourceRecord } from './advisory.js';
import type { AdvisorySource, SourceIssue, SourceItem } from './advisory-source.js';

export function memoryDb(): Promise<Kysely<Database>> {
  return openSqliteDatabase(':memory:');
}

export async function collect(source: AdvisorySource, path: string): Promise<{ records: SourceRecord[]; items: SourceItem[]; issues: SourceIssue[] }> {
  const issues: SourceIssue[] = [];
  const items: SourceItem[] = [];
  for await (const item of source.read(path, { issues: (i) => issues.push(i) })) items.push(item);
  return { records: items.filter((i): i is SourceRecord => i.kind !== 'snapshot'), items, issues };
}
