/**
 * Re-evaluation at scale: an evaluation's findings become rows (one per package purl and advisory,
 * with the match key they came through), so a data change patches the few rows of the keys it touched
 * and the report is assembled on read from the stored SBOM; every image records the packages behind
 * each match key, so a delta matches each touched package version once instead of whole SBOMs.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';

interface LegacyFinding {
  readonly id: string;
  readonly severity: string;
  readonly package: { readonly purl: string };
  readonly fixed: boolean;
  readonly since: string;
}

interface LegacyReport {
  readonly db?: { readonly updatedAt?: string };
  readonly packages?: readonly { readonly purl: string; readonly vulnerabilities: readonly ({ readonly id: string; readonly since?: string } & Record<string, unknown>)[] }[];
}

function parse<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

const PAGE = 200;

export const evaluationFindingsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('evaluation_findings')
      .addColumn('repository', 'text', (c) => c.notNull())
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('purl', 'text', (c) => c.notNull())
      .addColumn('vuln_id', 'text', (c) => c.notNull())
      // The match key the finding came through; null for findings carried over from before this migration.
      .addColumn('ecosystem', 'text')
      .addColumn('name', 'text')
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('fixed', 'integer', (c) => c.notNull())
      .addColumn('since', 'text', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('evaluation_findings_pk', ['repository', 'manifest_digest', 'platform', 'purl', 'vuln_id'])
      .execute();
    await db.schema.createIndex('evaluation_findings_key').on('evaluation_findings').columns(['ecosystem', 'name']).execute();
    await db.schema.createIndex('evaluation_findings_vuln').on('evaluation_findings').column('vuln_id').execute();
    // What a finding shows (package and report entry) is the same in every image that has it: stored
    // once, by content hash, so an evaluation's rows stay small.
    await db.schema
      .createTable('finding_details')
      .addColumn('hash', 'text', (c) => c.primaryKey())
      .addColumn('package', 'text', (c) => c.notNull())
      .addColumn('vulnerability', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('image_match_packages')
      .addColumn('manifest_digest', 'text', (c) => c.notNull())
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('ecosystem', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('purl', 'text', (c) => c.notNull())
      .addColumn('package', 'text', (c) => c.notNull())
      .addColumn('weight', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('image_match_packages_pk', ['manifest_digest', 'platform', 'ecosystem', 'name', 'purl'])
      .execute();
    await db.schema.createIndex('image_match_packages_key').on('image_match_packages').columns(['ecosystem', 'name']).execute();
    await db.schema.alterTable('evaluations').addColumn('db_updated_at', 'text').execute();
    // XOR of the finding rows' hashes: a whole re-match that produced the same rows writes no rows.
    await db.schema.alterTable('evaluations').addColumn('fingerprint', 'text').execute();

    // Carry the stored findings (and their `since`) over into rows; `findings` and `report` stay as
    // empty columns (dropping columns is not portable across the supported SQLite versions).
    let offset = 0;
    for (;;) {
      const { rows } = await sql<{ repository: string; manifest_digest: string; platform: string; findings: string; report: string }>`
        select repository, manifest_digest, platform, findings, report from evaluations
        order by repository, manifest_digest, platform limit ${PAGE} offset ${offset}`.execute(db);
      if (rows.length === 0) break;
      offset += rows.length;
      for (const e of rows) {
        if (e.findings === '') continue;
        const findings = parse<Record<string, LegacyFinding>>(e.findings, {});
        const report = parse<LegacyReport>(e.report, {});
        const vulns = new Map<string, Record<string, unknown>>();
        for (const p of report.packages ?? []) {
          for (const v of p.vulnerabilities) {
            const { since: _since, ...rest } = v;
            vulns.set(`${p.purl} ${v.id}`, rest);
          }
        }
        for (const [key, f] of Object.entries(findings)) {
          const v = vulns.get(key);
          if (!v) continue;
          const pkg = JSON.stringify(f.package);
          const vuln = JSON.stringify(v);
          const detail = `legacy-${createHash('sha256').update(`${pkg}\u0000${vuln}`).digest('hex').slice(0, 24)}`;
          await sql`insert into finding_details (hash, package, vulnerability) values (${detail}, ${pkg}, ${vuln}) on conflict do nothing`.execute(db);
          await sql`insert into evaluation_findings (repository, manifest_digest, platform, purl, vuln_id, ecosystem, name, severity, fixed, since, detail)
            values (${e.repository}, ${e.manifest_digest}, ${e.platform}, ${f.package.purl}, ${f.id}, ${null}, ${null}, ${f.severity}, ${f.fixed ? 1 : 0}, ${f.since}, ${detail})
            on conflict do nothing`.execute(db);
        }
        await sql`update evaluations set findings = '', report = '', db_updated_at = ${report.db?.updatedAt ?? null}
          where repository = ${e.repository} and manifest_digest = ${e.manifest_digest} and platform = ${e.platform}`.execute(db);
      }
    }
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('image_match_packages').ifExists().execute();
    await db.schema.dropTable('evaluation_findings').ifExists().execute();
    await db.schema.dropTable('finding_details').ifExists().execute();
  },
};
