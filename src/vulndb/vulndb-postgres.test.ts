/** The vulnerability database on a real PostgreSQL server: the same import, alias, revision and match paths as on SQLite. */
import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, startPostgres, type PostgresServer } from '../../test/helpers/postgres.js';
import { hasShared, sharedPath } from '../../test/helpers/shared.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import { openPostgresDatabase } from '../metadata/postgres/postgres-database.js';
import { createVulnService } from './index.js';
import { debianSource } from './sources/debian-source.js';
import { epssSource, kevSource } from './sources/metrics-sources.js';
import { osvSource } from './sources/osv-source.js';

describe.skipIf(!hasPostgres() || !hasShared('data', 'osv'))('vulnerability database on PostgreSQL', () => {
  let server: PostgresServer;
  let db: Kysely<Database>;
  beforeAll(async () => {
    server = await startPostgres();
    db = await openPostgresDatabase(await server.createDatabase());
  }, 60_000);
  afterAll(async () => {
    await db.destroy();
    await server.stop();
  });

  it('imports, unifies aliases, counts revisions and matches as on SQLite', async () => {
    const svc = createVulnService(db);
    const quiet = { issues: () => undefined };
    const first = await svc.store.import('osv', osvSource.read(sharedPath('data', 'osv', 'crates.io'), quiet));
    expect(first).toMatchObject({ changed: true, revision: 1 });
    expect(await svc.store.import('osv', osvSource.read(sharedPath('data', 'osv', 'crates.io'), quiet))).toMatchObject({ changed: false, revision: 1 });
    await svc.store.import('osv', osvSource.read(sharedPath('data', 'osv', 'Go'), quiet));
    await svc.store.import('debian', debianSource.read(sharedPath('data', 'debian-security-tracker', 'osvdev-sample-tracker.json'), quiet));
    await svc.store.import('kev', kevSource.read(sharedPath('data', 'kev', 'known_exploited_vulnerabilities-sample.json'), quiet));
    await svc.store.import('epss', epssSource.read(sharedPath('data', 'epss', 'epss-sample.csv'), quiet));
    const status = await svc.status();
    expect(status.revision).toBe(5);
    expect(status.sources.map((s) => s.source)).toEqual(['debian', 'epss', 'kev', 'osv']);
    expect(status.metrics.kev).toBeGreaterThan(0);
    expect((await svc.describeVulnerability('GO-2022-0646'))?.id).toBe('CVE-2020-8911');
    const tracker = JSON.parse(await readFile(sharedPath('data', 'debian-security-tracker', 'osvdev-sample-tracker.json'), 'utf8')) as Record<string, Record<string, { releases: Record<string, { repositories: Record<string, string> }> }>>;
    const installed = tracker.apparmor?.['CVE-2016-1585']?.releases.bookworm?.repositories.bookworm ?? '';
    const findings = await svc.matcher.match(
      [
        { name: 'apparmor', version: installed, type: 'deb', purl: 'pkg:deb/debian/apparmor', licenses: [], locations: [], foundBy: 'test' },
        { name: 'github.com/aws/aws-sdk-go', version: 'v1.44.0', type: 'golang', purl: 'pkg:golang/github.com/aws/aws-sdk-go', licenses: [], locations: [], foundBy: 'test' },
      ],
      { id: 'debian', versionId: '12', ecosystem: 'Debian:12' },
    );
    expect(findings.find((f) => f.id === 'CVE-2016-1585')?.status).toBe('not-fixed');
    expect(findings.some((f) => f.id === 'CVE-2020-8911')).toBe(true);
  }, 120_000);
});
