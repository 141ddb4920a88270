/**
 * Re-evaluation by patching on a real SQLite database: a data change touching one package key
 * changes exactly that package's findings in the advanced evaluations holding it (the others keep
 * their `since`), records one history event with the right diff and announces once; the patched
 * evaluation equals a whole re-match and a fresh evaluation of the same data, and the report
 * assembled on read equals the one built straight from the matcher's findings.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasPostgres, startPostgres, type PostgresServer } from '../../test/helpers/postgres.js';
import { SbomStore } from '../analysis/store/sbom-store.js';
import type { Digest } from '../core/digest.js';
import { KyselyJobQueue } from '../jobs/kysely-job-queue.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import { openPostgresDatabase } from '../metadata/postgres/postgres-database.js';
import { openSqliteDatabase } from '../metadata/sqlite/sqlite-metadata-store.js';
import type { Package } from '../model/package.js';
import type { ImageSbom } from '../model/sbom.js';
import { RepositorySettingsStore } from '../repositories/repository-settings.js';
import { buildVulnerabilityReport, type VulnerabilityReport } from '../reports/vulnerability-report.js';
import { osvSource } from '../vulndb/sources/osv-source.js';
import { VulnDb } from '../vulndb/vulndb-store.js';
import { ImageEvaluator } from './image-evaluator.js';
import { ImageEvents, type VulnerabilitiesChangedEvent } from './image-events.js';
import { Reevaluation } from './reevaluation.js';

const PLATFORM = 'linux/amd64';
const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}` as Digest;

function pypi(name: string, version: string, path = `site-packages/${name}`, foundBy = 'test'): Package {
  return { name, version, type: 'pypi', purl: `pkg:pypi/${name}@${version}`, licenses: [], locations: [{ path, layerIndex: 0 }], foundBy };
}

function advisory(id: string, name: string, opts: { fixed?: string; severity?: string; modified?: string } = {}): string {
  return JSON.stringify({
    schema_version: '1.6.0',
    id,
    modified: opts.modified ?? '2026-01-01T00:00:00Z',
    summary: `${id} in ${name}`,
    affected: [{ package: { ecosystem: 'PyPI', name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, ...(opts.fixed ? [{ fixed: opts.fixed }] : [])] }] }],
    database_specific: { severity: opts.severity ?? 'HIGH' },
  });
}

/** The served report without the labels that differ between two evaluations of the same data. */
function comparable(r: VulnerabilityReport, withSince = true): unknown {
  return { image: r.image, summary: r.summary, packages: r.packages.map((p) => ({ ...p, vulnerabilities: p.vulnerabilities.map((v) => (withSince ? v : { ...v, since: undefined })) })) };
}

let postgres: PostgresServer | undefined;
afterAll(async () => postgres?.stop());

const backends = [
  { name: 'SQLite', available: true, open: (dir: string) => openSqliteDatabase(join(dir, 'db.sqlite')) },
  { name: 'PostgreSQL', available: hasPostgres(), open: async () => openPostgresDatabase(await (postgres ??= await startPostgres()).createDatabase()) },
];

for (const backend of backends) describe.skipIf(!backend.available)(`patching evaluations after a data change (${backend.name})`, () => {
  let dir: string;
  let db: Kysely<Database>;
  let vulndb: VulnDb;
  let sboms: SbomStore;
  let evaluator: ImageEvaluator;
  let reevaluation: Reevaluation;
  let events: VulnerabilitiesChangedEvent[];
  let feed = 0;
  const images: Record<'a' | 'b', ImageSbom> = {} as Record<'a' | 'b', ImageSbom>;

  async function importRecords(...docs: string[]) {
    const d = join(dir, `feed-${feed++}`);
    mkdirSync(d);
    docs.forEach((doc, i) => writeFileSync(join(d, `r${i}.json`), doc));
    return vulndb.import('osv', osvSource.read(d, { issues: () => undefined }));
  }

  async function store(key: 'a' | 'b', packages: Package[]) {
    const digest = sha(`image ${key}`);
    const sbom: ImageSbom = { image: { digest, platform: { os: 'linux', architecture: 'amd64' }, layers: [] }, packages, analyzedAt: '2026-01-01T00:00:00Z', tool: { name: 'test', version: '1' } };
    await sboms.saveResult(digest, sbom, 'test');
    const loaded = await sboms.load(digest, PLATFORM);
    if (!loaded) throw new Error('sbom not stored');
    images[key] = loaded;
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crowsnest-patch-'));
    db = await backend.open(dir);
    vulndb = new VulnDb(db);
    sboms = new SbomStore(db);
    const settings = new RepositorySettingsStore(db);
    const imageEvents = new ImageEvents(pino({ level: 'silent' }));
    events = [];
    imageEvents.on('vulnerabilitiesChanged', (e) => {
      events.push(e);
    });
    evaluator = new ImageEvaluator(db, sboms, vulndb, imageEvents);
    reevaluation = new Reevaluation({ db, queue: new KyselyJobQueue(db), vulndb, sboms, settings, evaluator, log: pino({ level: 'silent' }) });
    await importRecords(advisory('GHSA-test-aaaa-0001', 'alpha', { fixed: '1.5' }), advisory('GHSA-test-bbbb-0001', 'beta', { severity: 'LOW' }));
    await reevaluation.run();
    // The same library in two places counts twice in the summary (two report entries).
    await store('a', [pypi('alpha', '1.0'), pypi('alpha', '1.0', 'vendor/alpha', 'vendored'), pypi('beta', '2.0'), pypi('gamma', '1.0')]);
    await store('b', [pypi('alpha', '1.0'), pypi('delta', '3.0')]);
    await settings.setAnalysis('acme/adv', 'advanced');
    await settings.setAnalysis('acme/basic', 'basic');
    for (const key of ['a', 'b'] as const) {
      await evaluator.evaluate('acme/adv', images[key], PLATFORM);
      await evaluator.evaluate('acme/basic', images[key], PLATFORM);
    }
  }, 60_000);

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the first evaluation as the report the matcher findings make', async () => {
    const report = await evaluator.reportFor('acme/adv', images.a, PLATFORM);
    const findings = await evaluator.matcher.match(images.a.packages, images.a.distro);
    const direct = buildVulnerabilityReport(images.a, findings, { evaluatedAt: report.evaluatedAt, db: report.db });
    expect(comparable(report, false)).toEqual(comparable(direct, false));
    expect(report.summary).toEqual({ critical: 0, high: 2, medium: 0, low: 1, unknown: 0 });
    const summary = await evaluator.summaryFor('acme/adv', images.a.image.digest);
    expect(summary?.summary).toEqual(report.summary);
  });

  it('patches only the touched key: one event with the new finding, the others keep since, announced once', async () => {
    const before = await evaluator.reportFor('acme/adv', images.a, PLATFORM);
    const sinceOf = (r: VulnerabilityReport, id: string) => r.packages.flatMap((p) => p.vulnerabilities).find((v) => v.id === id)?.since;
    const timelineBefore = await evaluator.timeline('acme/adv', images.a.image.digest, PLATFORM);
    await new Promise((r) => setTimeout(r, 5));

    const imported = await importRecords(advisory('GHSA-test-gggg-0001', 'gamma', { severity: 'CRITICAL' }));
    expect(imported.touchedPackages).toBe(1);
    const outcome = await reevaluation.run();
    expect(outcome).toMatchObject({ full: false, touchedKeys: 1, images: 1, changed: 1 });

    const after = await evaluator.reportFor('acme/adv', images.a, PLATFORM);
    expect(after.summary).toEqual({ ...before.summary, critical: 1 });
    expect(sinceOf(after, 'GHSA-test-aaaa-0001')).toBe(sinceOf(before, 'GHSA-test-aaaa-0001'));
    expect(sinceOf(after, 'GHSA-test-bbbb-0001')).toBe(sinceOf(before, 'GHSA-test-bbbb-0001'));
    expect(sinceOf(after, 'GHSA-test-gggg-0001')).toBe(after.evaluatedAt);
    expect(after.db.version).toBe(outcome.toRevision);

    const timeline = await evaluator.timeline('acme/adv', images.a.image.digest, PLATFORM);
    expect(timeline).toHaveLength(timelineBefore.length + 1);
    const last = timeline[timeline.length - 1];
    expect(last).toMatchObject({ kind: 'reevaluation', revision: outcome.toRevision, removed: [], changed: [] });
    expect(last?.added).toEqual([{ id: 'GHSA-test-gggg-0001', severity: 'critical', package: { name: 'gamma', version: '1.0', type: 'pypi', purl: 'pkg:pypi/gamma@1.0' }, fixedVersions: [] }]);
    expect(last?.summary).toEqual(after.summary);

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ manifestDigest: images.a.image.digest, platform: PLATFORM, summary: after.summary, removed: [], changed: [] });
    expect(events[0]?.added.map((f) => f.id)).toEqual(['GHSA-test-gggg-0001']);
    expect(events[0]?.targets.map((t) => t.repository)).toEqual(['acme/adv']);

    // Image b does not hold the key; the basic repository keeps its push-time evaluation.
    expect((await evaluator.timeline('acme/adv', images.b.image.digest, PLATFORM)).length).toBe(1);
    expect((await evaluator.reportFor('acme/basic', images.a, PLATFORM)).summary).toEqual(before.summary);
  });

  it('reads an evaluation that kept its own rows (before migration 0019) and moves it to package rows when re-evaluated', async () => {
    const before = await evaluator.reportFor('acme/adv', images.a, PLATFORM);
    const sinceOf = (r: VulnerabilityReport, id: string) => r.packages.flatMap((p) => p.vulnerabilities).find((v) => v.id === id)?.since;
    // What migration 0017 left: the evaluation's own rows (no match key), no pinned epoch.
    const own = before.packages.flatMap((p) =>
      p.vulnerabilities.map((v) => ({ purl: p.purl, v: { id: v.id, aliases: v.aliases, severity: v.severity, status: v.status, fixedVersions: v.fixedVersions, ...(v.fixedVersion ? { fixedVersion: v.fixedVersion } : {}), source: v.source, url: v.url } })),
    );
    const legacySince = '2025-06-01T00:00:00.000Z';
    for (const [i, { purl, v }] of [...new Map(own.map((o) => [`${o.purl} ${o.v.id}`, o])).values()].entries()) {
      const pkg = before.packages.find((p) => p.purl === purl);
      await db.insertInto('finding_details').values({ hash: `legacy-${i}`, package: JSON.stringify({ name: pkg?.name, version: pkg?.version, type: pkg?.type, purl }), vulnerability: JSON.stringify(v) }).execute();
      await db
        .insertInto('evaluation_findings')
        .values({ repository: 'acme/adv', manifest_digest: images.a.image.digest, platform: PLATFORM, purl, vuln_id: v.id, ecosystem: null, name: null, severity: v.severity, fixed: v.status === 'fixed' ? 1 : 0, since: legacySince, detail: `legacy-${i}` })
        .execute();
    }
    await db.updateTable('evaluations').set({ epoch: null, first_at: null }).where('repository', '=', 'acme/adv').where('manifest_digest', '=', images.a.image.digest).execute();
    const legacy = await evaluator.reportFor('acme/adv', images.a, PLATFORM);
    expect(legacy.summary).toEqual(before.summary);
    expect(sinceOf(legacy, 'GHSA-test-aaaa-0001')).toBe(legacySince);

    await importRecords(advisory('GHSA-test-gggg-0001', 'gamma', { severity: 'CRITICAL' }));
    expect(await reevaluation.run()).toMatchObject({ images: 1, changed: 1 });
    const after = await evaluator.reportFor('acme/adv', images.a, PLATFORM);
    expect(after.summary).toEqual({ ...before.summary, critical: 1 });
    // The findings it had keep the time they applied from; its own rows are gone, it reads package rows now.
    expect(sinceOf(after, 'GHSA-test-aaaa-0001')).toBe(legacySince);
    expect(await db.selectFrom('evaluation_findings').select('purl').execute()).toEqual([]);
    const stored = await db.selectFrom('evaluations').select(['epoch', 'first_at']).where('repository', '=', 'acme/adv').where('manifest_digest', '=', images.a.image.digest).executeTakeFirstOrThrow();
    expect(stored.epoch).not.toBeNull();
    expect(stored.first_at).toBe(legacySince);
    const last = (await evaluator.timeline('acme/adv', images.a.image.digest, PLATFORM)).at(-1);
    expect(last?.added.map((f) => f.id)).toEqual(['GHSA-test-gggg-0001']);
    expect(last?.removed).toEqual([]);
    expect(last?.changed).toEqual([]);
  });

  it('records a severity change and a fix becoming available as changes, and a withdrawal as a removal', async () => {
    await importRecords(advisory('GHSA-test-bbbb-0001', 'beta', { severity: 'HIGH', fixed: '3.0', modified: '2026-02-01T00:00:00Z' }));
    await reevaluation.run();
    const timeline = await evaluator.timeline('acme/adv', images.a.image.digest, PLATFORM);
    const last = timeline[timeline.length - 1];
    expect(last?.added).toEqual([]);
    expect(last?.changed).toEqual([
      { id: 'GHSA-test-bbbb-0001', severity: 'high', package: { name: 'beta', version: '2.0', type: 'pypi', purl: 'pkg:pypi/beta@2.0' }, fixedVersions: ['3.0'], previousSeverity: 'low', fixAvailable: true },
    ]);
    expect((await evaluator.reportFor('acme/adv', images.a, PLATFORM)).summary).toEqual({ critical: 0, high: 3, medium: 0, low: 0, unknown: 0 });

    await importRecords(JSON.stringify({ ...JSON.parse(advisory('GHSA-test-aaaa-0001', 'alpha', { fixed: '1.5', modified: '2026-03-01T00:00:00Z' })), withdrawn: '2026-03-01T00:00:00Z' }));
    const outcome = await reevaluation.run();
    expect(outcome).toMatchObject({ images: 2, changed: 2 });
    for (const key of ['a', 'b'] as const) {
      const t = await evaluator.timeline('acme/adv', images[key].image.digest, PLATFORM);
      expect(t[t.length - 1]?.removed.map((f) => f.id)).toEqual(['GHSA-test-aaaa-0001']);
    }
    expect((await evaluator.reportFor('acme/adv', images.b, PLATFORM)).summary).toEqual({ critical: 0, high: 0, medium: 0, low: 0, unknown: 0 });
    // Image a held the withdrawn finding in two report entries: both leave the summary.
    expect((await evaluator.reportFor('acme/adv', images.a, PLATFORM)).summary).toEqual({ critical: 0, high: 1, medium: 0, low: 0, unknown: 0 });

    // The basic repository's push-time view still needs the closed rows; once no evaluation pins them they go.
    const basicBefore = await evaluator.reportFor('acme/basic', images.a, PLATFORM);
    const closed = () => db.selectFrom('package_findings').select('vuln_id').where('to_epoch', 'is not', null).execute();
    expect((await closed()).length).toBeGreaterThan(0);
    expect(await evaluator.collectUnpinnedRows()).toBe(0);
    expect(comparable(await evaluator.reportFor('acme/basic', images.a, PLATFORM))).toEqual(comparable(basicBefore));
    await db.deleteFrom('evaluations').where('repository', '=', 'acme/basic').execute();
    expect(await evaluator.collectUnpinnedRows()).toBeGreaterThan(0);
    expect(await closed()).toEqual([]);
    expect((await evaluator.reportFor('acme/adv', images.a, PLATFORM)).summary).toEqual({ critical: 0, high: 1, medium: 0, low: 0, unknown: 0 });
  });

  it('leaves a patched evaluation equal to a whole re-match and to a fresh evaluation of the same data', async () => {
    await importRecords(
      advisory('GHSA-test-gggg-0001', 'gamma', { severity: 'MEDIUM', fixed: '1.2' }),
      advisory('GHSA-test-aaaa-0002', 'alpha', { severity: 'CRITICAL' }),
      advisory('GHSA-test-bbbb-0001', 'beta', { severity: 'HIGH', modified: '2026-02-01T00:00:00Z' }),
    );
    expect((await reevaluation.run()).full).toBe(false);
    const patched = { a: await evaluator.reportFor('acme/adv', images.a, PLATFORM), b: await evaluator.reportFor('acme/adv', images.b, PLATFORM) };
    const eventsAfterPatch = events.length;

    // A matcher upgrade re-matches everything whole: the result must be identical (nothing changes).
    await db.updateTable('reevaluation_state').set({ matcher_version: -1 }).execute();
    const rematch = await reevaluation.run();
    expect(rematch).toMatchObject({ full: true, changed: 0 });
    expect(events).toHaveLength(eventsAfterPatch);
    for (const key of ['a', 'b'] as const) {
      const whole = await evaluator.reportFor('acme/adv', images[key], PLATFORM);
      expect(comparable(whole)).toEqual(comparable(patched[key]));
      // A repository evaluating the image for the first time now gets the same findings and summary.
      const fresh = await evaluator.reportFor(`acme/fresh-${key}`, images[key], PLATFORM);
      expect(comparable(fresh, false)).toEqual(comparable(patched[key], false));
      const stored = await db.selectFrom('evaluations').select('summary').where('repository', '=', 'acme/adv').where('manifest_digest', '=', images[key].image.digest).executeTakeFirstOrThrow();
      expect(JSON.parse(stored.summary)).toEqual(patched[key].summary);
    }
  });
});
