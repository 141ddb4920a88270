/**
 * Migration 0017 carries evaluations stored as JSON (findings with `since`, the served report) over
 * into finding rows with shared details, and leaves the evaluation without a match key or a
 * fingerprint, so the next re-evaluation re-matches it whole instead of patching.
 */
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluationFindingsMigration } from './0017-evaluation-findings.js';

describe('migration 0017 (evaluation findings)', () => {
  let db: Kysely<unknown> | undefined;
  afterEach(async () => db?.destroy());

  it('turns stored findings into rows that keep since and the served vulnerability, and empties the JSON columns', async () => {
    db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new SqliteDatabase(':memory:') }) });
    await sql`create table evaluations (repository text not null, manifest_digest text not null, platform text not null, revision integer not null,
      matcher_version integer not null, evaluated_at text not null, summary text not null, findings text not null, report text not null,
      primary key (repository, manifest_digest, platform))`.execute(db);
    const pkg = { name: 'alpha', version: '1.0', type: 'pypi', purl: 'pkg:pypi/alpha@1.0' };
    const vuln = { id: 'GHSA-test-aaaa-0001', aliases: [], severity: 'high', status: 'fixed', fixedVersions: ['1.5'], fixedVersion: '1.5', source: 'osv', url: 'https://osv.dev/vulnerability/GHSA-test-aaaa-0001' };
    const findings = { [`${pkg.purl} ${vuln.id}`]: { id: vuln.id, severity: 'high', package: pkg, fixedVersions: ['1.5'], fixed: true, since: '2026-01-02T00:00:00.000Z' } };
    const report = { db: { version: 3, updatedAt: '2026-01-01T00:00:00.000Z' }, packages: [{ ...pkg, locations: [], vulnerabilities: [{ ...vuln, since: '2026-01-02T00:00:00.000Z' }] }] };
    for (const repository of ['acme/a', 'acme/b']) {
      await sql`insert into evaluations values (${repository}, 'sha256:1', 'linux/amd64', 3, 1, '2026-01-03T00:00:00.000Z', '{}', ${JSON.stringify(findings)}, ${JSON.stringify(report)})`.execute(db);
    }
    await evaluationFindingsMigration.up(db);

    const rows = (await sql<Record<string, unknown>>`select f.*, d.package, d.vulnerability from evaluation_findings f join finding_details d on d.hash = f.detail order by repository`.execute(db)).rows;
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ repository: 'acme/a', purl: pkg.purl, vuln_id: vuln.id, ecosystem: null, name: null, severity: 'high', fixed: 1, since: '2026-01-02T00:00:00.000Z' });
    expect(JSON.parse(String(rows[0]?.vulnerability))).toEqual(vuln);
    expect(JSON.parse(String(rows[0]?.package))).toEqual(pkg);
    // One detail shared by both evaluations.
    expect((await sql<{ n: number }>`select count(*) as n from finding_details`.execute(db)).rows[0]?.n).toBe(1);
    const evals = (await sql<Record<string, unknown>>`select findings, report, db_updated_at, fingerprint from evaluations`.execute(db)).rows;
    expect(evals).toEqual([
      { findings: '', report: '', db_updated_at: '2026-01-01T00:00:00.000Z', fingerprint: null },
      { findings: '', report: '', db_updated_at: '2026-01-01T00:00:00.000Z', fingerprint: null },
    ]);
  });
});
