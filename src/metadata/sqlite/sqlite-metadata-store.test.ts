/** Runs the MetadataStore contract on SQLite, plus a reopen check (migrations are idempotent, data persists). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { digestOf } from '../../core/digest.js';
import { describeMetadataStoreContract } from '../metadata-store.contract.js';
import { openSqliteMetadataStore } from './sqlite-metadata-store.js';

describeMetadataStoreContract('SQLite (memory)', () => openSqliteMetadataStore(':memory:'));

describe('SQLite metadata store on disk', () => {
  it('persists across reopen and migrates only once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'crowsnest-db-'));
    try {
      const path = join(dir, 'sub', 'crowsnest.db');
      const a = await openSqliteMetadataStore(path);
      await a.repos.linkBlob('x/y', digestOf('b'));
      await a.close();
      const b = await openSqliteMetadataStore(path);
      expect(await b.repos.isBlobLinked('x/y', digestOf('b'))).toBe(true);
      await b.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
