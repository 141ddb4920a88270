/**
 * Test support for the vulnerability database: an in-memory migrated database and a collector that
 * runs a source over a path and counts the issues it reports, and a small zip writer for fixtures.
 */
import { crc32, deflateRawSync } from 'node:zlib';
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

/** A minimal deflate zip writer for test fixtures (osv.dev-style all.zip built from the shared files). */
export function makeZip(entries: readonly { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = deflateRawSync(e.data);
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
