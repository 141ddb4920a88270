/**
 * The match index (src/vulndb/match-index.ts): one row per (ecosystem, package) with that key's
 * affected rows and canonical ids in one text, filled here from the stored data and kept by every
 * import. Also indexes affected rows by vulnerability id: imports look up the keys of vulnerabilities
 * whose aliases moved or whose CVE metrics changed (a full scan per chunk of ids before).
 */
import type { Kysely, Migration } from 'kysely';
import type { Database } from '../schema/index.js';
import { rebuildMatchIndex } from '../../../vulndb/match-index.js';

export const vulndbMatchIndexMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('vuln_match')
      .addColumn('ecosystem', 'text', (c) => c.notNull())
      .addColumn('package', 'text', (c) => c.notNull())
      .addColumn('affected', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('vuln_match_pk', ['ecosystem', 'package'])
      .execute();
    await db.schema.createIndex('vuln_affected_vuln').on('vuln_affected').column('vuln_id').execute();
    await rebuildMatchIndex(db as Kysely<Database>, undefined);
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('vuln_affected_vuln').ifExists().execute();
    await db.schema.dropTable('vuln_match').ifExists().execute();
  },
};
