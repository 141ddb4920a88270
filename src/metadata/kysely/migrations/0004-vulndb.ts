/**
 * The merged vulnerability database: advisories as each source published them (normalized), the
 * alias → canonical id map, affected rows keyed (ecosystem, package) for matching, per-CVE metrics
 * (NVD CVSS, KEV, EPSS), per-source bookkeeping and the database revision.
 */
import type { Kysely, Migration } from 'kysely';

export const vulndbMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('vuln_advisory')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('record_key', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('aliases', 'text', (c) => c.notNull())
      .addColumn('modified', 'text')
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('withdrawn', 'integer', (c) => c.notNull())
      .addColumn('summary', 'text')
      .addColumn('severity', 'text')
      .addColumn('doc', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('vuln_advisory_pk', ['source', 'record_key'])
      .execute();
    await db.schema.createIndex('vuln_advisory_id').on('vuln_advisory').column('id').execute();
    await db.schema
      .createTable('vuln_alias')
      .addColumn('alias', 'text', (c) => c.primaryKey())
      .addColumn('canonical_id', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('vuln_alias_canonical').on('vuln_alias').column('canonical_id').execute();
    await db.schema
      .createTable('vuln_affected')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('record_key', 'text', (c) => c.notNull())
      .addColumn('vuln_id', 'text', (c) => c.notNull())
      .addColumn('ecosystem', 'text', (c) => c.notNull())
      .addColumn('package', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('ranges', 'text', (c) => c.notNull())
      .addColumn('versions', 'text', (c) => c.notNull())
      .addColumn('severity', 'text')
      .execute();
    await db.schema.createIndex('vuln_affected_package').on('vuln_affected').columns(['ecosystem', 'package']).execute();
    await db.schema.createIndex('vuln_affected_record').on('vuln_affected').columns(['source', 'record_key']).execute();
    await db.schema
      .createTable('vuln_cve_metrics')
      .addColumn('cve', 'text', (c) => c.primaryKey())
      .addColumn('nvd_version', 'text')
      .addColumn('nvd_vector', 'text')
      .addColumn('nvd_score', 'real')
      .addColumn('nvd_rating', 'text')
      .addColumn('kev_date_added', 'text')
      .addColumn('epss_score', 'real')
      .addColumn('epss_percentile', 'real')
      .execute();
    await db.schema
      .createTable('vuln_source')
      .addColumn('source', 'text', (c) => c.primaryKey())
      .addColumn('last_update', 'text', (c) => c.notNull())
      .addColumn('last_change', 'text')
      .addColumn('last_origin', 'text')
      .addColumn('last_result', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('vuln_state')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text')
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const t of ['vuln_state', 'vuln_source', 'vuln_cve_metrics', 'vuln_affected', 'vuln_alias', 'vuln_advisory']) {
      await db.schema.dropTable(t).ifExists().execute();
    }
  },
};
