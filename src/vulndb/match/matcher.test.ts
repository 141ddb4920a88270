import { readdir, readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../test/helpers/shared.js';
import type { Database } from '../../metadata/kysely/schema/index.js';
import type { Package, PackageType } from '../../model/package.js';
import { compare } from '../../versions/index.js';
import type { SourceItem } from '../advisory-source.js';
import { debianSource } from '../sources/debian-source.js';
import { osvSource } from '../sources/osv-source.js';
import { memoryDb } from '../test-helpers.js';
import { VulnDb } from '../vulndb-store.js';
import type { Digest } from '../../core/digest.js';
import type { ImageSbom } from '../../model/sbom.js';
import { createVulnService } from '../index.js';
import { VulnMatcher } from './matcher.js';

const pkg = (type: PackageType, name: string, version: string, extra: Partial<Package> = {}): Package => ({
  name,
  version,
  type,
  purl: `pkg:${type}/${name}@${version}`,
  licenses: [],
  locations: [{ path: '/x', layerIndex: 2, createdBy: 'RUN install' }],
  foundBy: 'test',
  ...extra,
});

async function* concat(...streams: AsyncIterable<SourceItem>[]): AsyncGenerator<SourceItem> {
  for (const s of streams) yield* s;
}

interface OsvFile {
  id: string;
  withdrawn?: string;
  affected?: { package: { name: string; ecosystem: string }; ranges?: { type: string; events: Record<string, string>[] }[]; versions?: string[] }[];
}

async function osvFiles(eco: string): Promise<OsvFile[]> {
  const dir = sharedPath('data', 'osv', eco);
  return Promise.all((await readdir(dir)).filter((f) => f.endsWith('.json')).map(async (f) => JSON.parse(await readFile(`${dir}/${f}`, 'utf8')) as OsvFile));
}

describe.skipIf(!hasShared('data', 'osv') || !hasShared('data', 'debian-security-tracker'))('VulnMatcher on real data', () => {
  let db: Kysely<Database>;
  let matcher: VulnMatcher;
  const noIssues = { issues: (i: unknown) => { throw new Error(`unexpected issue ${JSON.stringify(i)}`); } };
  beforeAll(async () => {
    db = await memoryDb();
    const store = new VulnDb(db);
    for (const eco of ['Go', 'PyPI', 'crates.io', 'Debian']) await store.import('osv', osvSource.read(sharedPath('data', 'osv', eco), noIssues));
    const tracker = sharedPath('data', 'debian-security-tracker');
    await store.import('debian', concat(debianSource.read(`${tracker}/vunnel-sample-tracker.json`, noIssues), debianSource.read(`${tracker}/osvdev-sample-tracker.json`, noIssues)));
    matcher = new VulnMatcher(store);
  }, 60_000);
  afterAll(() => db.destroy());

  it('does not report a backported Debian fix (+deb12u1) and reports an unfixed CVE as not-fixed', async () => {
    const raw = JSON.parse(await readFile(sharedPath('data', 'debian-security-tracker', 'vunnel-sample-tracker.json'), 'utf8')) as Record<string, Record<string, { releases: Record<string, { repositories: Record<string, string>; fixed_version?: string }> }>>;
    const bookworm = raw.sope?.['CVE-2025-53603']?.releases.bookworm;
    const patched = bookworm?.repositories['bookworm-security'] ?? '';
    const unpatched = bookworm?.repositories.bookworm ?? '';
    expect(patched).toContain('+deb12u1');
    const distro = { id: 'debian', versionId: '12', ecosystem: 'Debian:12' };
    const binary = (version: string) => pkg('deb', 'libsope1', version, { source: { name: 'sope', version } });
    const fixed = await matcher.match([binary(patched)], distro);
    expect(fixed.filter((f) => f.id === 'CVE-2025-53603')).toEqual([]);
    const vulnerable = (await matcher.match([binary(unpatched)], distro)).find((f) => f.id === 'CVE-2025-53603');
    expect(vulnerable).toMatchObject({ status: 'fixed', fixedVersion: bookworm?.fixed_version, source: 'debian', ecosystem: 'Debian:12', matchedName: 'sope' });
    expect(vulnerable?.package.locations[0]?.createdBy).toBe('RUN install');

    const osvdev = JSON.parse(await readFile(sharedPath('data', 'debian-security-tracker', 'osvdev-sample-tracker.json'), 'utf8')) as typeof raw;
    const installed = osvdev.apparmor?.['CVE-2016-1585']?.releases.bookworm?.repositories.bookworm ?? '';
    const found = await matcher.match([pkg('deb', 'libapparmor1', installed, { source: { name: 'apparmor' } })], distro);
    expect(found.find((f) => f.id === 'CVE-2016-1585')).toMatchObject({ status: 'not-fixed', severity: 'negligible' });
    expect(found.find((f) => f.fixedVersion !== undefined)?.fixedVersion).toBeUndefined();
    // Resolved with fixed_version "0": the package was never affected in bookworm.
    expect(found.find((f) => f.id === 'CVE-2014-1424')).toBeUndefined();
  });

  it('finds an SBOM\'s vulnerabilities through createVulnService, matching distro packages in the SBOM\'s release', async () => {
    const svc = createVulnService(db);
    const osvdev = JSON.parse(await readFile(sharedPath('data', 'debian-security-tracker', 'osvdev-sample-tracker.json'), 'utf8')) as Record<string, Record<string, { releases: Record<string, { repositories: Record<string, string> }> }>>;
    const installed = osvdev.apparmor?.['CVE-2016-1585']?.releases.bookworm?.repositories.bookworm ?? '';
    const sbom: ImageSbom = {
      image: { digest: `sha256:${'0'.repeat(64)}` as Digest, layers: [] },
      distro: { id: 'debian', versionId: '12', ecosystem: 'Debian:12' },
      packages: [pkg('deb', 'apparmor', installed), pkg('golang', 'github.com/aws/aws-sdk-go', 'v1.44.0')],
      analyzedAt: new Date().toISOString(),
      tool: { name: 'test', version: '0' },
    };
    const ids = (await svc.findingsFor(sbom)).map((f) => f.id);
    expect(ids).toContain('CVE-2016-1585');
    expect(ids).toContain('CVE-2020-8911');
    expect((await svc.getVulnerability('GHSA-f5pg-7wfw-84q9'))?.id).toBe('CVE-2020-8911');
  });

  it('never matches withdrawn records', async () => {
    const withdrawn = (await osvFiles('crates.io')).filter((r) => r.withdrawn !== undefined && r.affected?.length);
    expect(withdrawn.length).toBeGreaterThan(10);
    const pkgs = withdrawn.flatMap((r) => (r.affected ?? []).map((a) => pkg('cargo', a.package.name, a.versions?.[0] ?? String(a.ranges?.[0]?.events[0]?.introduced ?? '0.0.0').replace(/-0$/, ''))));
    const findings = await matcher.match(pkgs);
    const ids = new Set(withdrawn.map((r) => r.id));
    expect(findings.filter((f) => ids.has(f.sourceId) || f.aliases.some((a) => ids.has(a)))).toEqual([]);
  });

  it('matches Go modules with v-prefixed versions and unifies aliases under the CVE', async () => {
    const [f] = (await matcher.match([pkg('golang', 'github.com/aws/aws-sdk-go', 'v1.44.0')])).filter((x) => x.aliases.includes('GO-2022-0646'));
    expect(f?.id).toBe('CVE-2020-8911');
    expect(f?.aliases).toContain('GHSA-f5pg-7wfw-84q9');
    expect(f).toMatchObject({ status: 'not-fixed', range: { introduced: '0' } });
  });

  it('matches PyPI by normalized name and suggests the smallest fixed version above the installed one', async () => {
    const records = (await osvFiles('PyPI')).filter((r) => r.withdrawn === undefined);
    const rec = records.find((r) => {
      const a = r.affected?.[0];
      const fixes = a?.ranges?.[0]?.events.filter((e) => e.fixed !== undefined) ?? [];
      return (r.affected?.length ?? 0) === 1 && fixes.length >= 2 && (a?.versions?.length ?? 0) > 2 && /[A-Z_.]/.test(a?.package.name ?? '') === false;
    });
    if (!rec) throw new Error('no suitable PyPI record in the data');
    const a = rec.affected?.[0];
    const installed = a?.versions?.[0] ?? '';
    const fixes = (a?.ranges ?? []).flatMap((r) => r.events.flatMap((e) => (e.fixed !== undefined ? [e.fixed] : [])));
    const expected = fixes.filter((x) => compare('pypi', x, installed) > 0).sort((x, y) => compare('pypi', x, y))[0];
    const shouted = (a?.package.name ?? '').toUpperCase().replace(/-/g, '_');
    const findings = await matcher.match([pkg('pypi', shouted, installed)]);
    const f = findings.find((x) => x.sourceId === rec.id);
    expect(f).toMatchObject({ status: 'fixed', fixedVersion: expected, ecosystem: 'PyPI' });
  });

  it('matches 1,000 distinct packages in one batch, faster once the revision is cached', async () => {
    const keys = new Set<string>();
    for (const eco of ['Go', 'PyPI']) for (const r of await osvFiles(eco)) for (const a of r.affected ?? []) keys.add(`${eco}|${a.package.name}`);
    const pkgs = [...keys].slice(0, 1000).map((k) => {
      const [eco, name] = k.split('|') as [string, string];
      return eco === 'Go' ? pkg('golang', name, 'v0.5.0') : pkg('pypi', name, '1.0');
    });
    expect(pkgs).toHaveLength(1000);
    let started = performance.now();
    const cold = await matcher.match(pkgs);
    const coldMs = performance.now() - started;
    started = performance.now();
    const warm = await matcher.match(pkgs);
    const warmMs = performance.now() - started;
    console.log(`matched 1000 packages: ${coldMs.toFixed(1)} ms cold, ${warmMs.toFixed(1)} ms warm (${warm.length} findings)`);
    expect(warm).toEqual(cold);
    expect(warm.length).toBeGreaterThan(500);
    // Generous bound: CI machines are shared; bench/vulndb reports the real figure against the 50 ms target.
    expect(warmMs).toBeLessThan(1000);
  });
});

describe.skipIf(!hasShared('data', 'osv', 'Ubuntu'))('VulnMatcher on Ubuntu OSV records', () => {
  it('matches "Ubuntu:22.04" packages against records published for "Ubuntu:22.04:LTS"', async () => {
    const db = await memoryDb();
    try {
      const store = new VulnDb(db);
      await store.import('osv', osvSource.read(sharedPath('data', 'osv', 'Ubuntu'), { issues: () => undefined }));
      const dir = sharedPath('data', 'osv', 'Ubuntu');
      const recs = await Promise.all((await readdir(dir)).map(async (f) => JSON.parse(await readFile(`${dir}/${f}`, 'utf8')) as OsvFile));
      const hit = recs.flatMap((r) => (r.affected ?? []).filter((a) => a.package.ecosystem === 'Ubuntu:22.04:LTS' && a.ranges?.[0]?.events.some((e) => e.fixed !== undefined)).map((a) => ({ r, a })))[0];
      if (!hit) throw new Error('no Ubuntu 22.04 record with a fix in the data');
      const found = await new VulnMatcher(store).match([pkg('deb', hit.a.package.name, '0.0.1-0ubuntu1', { source: { name: hit.a.package.name } })], { id: 'ubuntu', versionId: '22.04', ecosystem: 'Ubuntu:22.04' });
      expect(found.map((f) => f.sourceId)).toContain(hit.r.id);
      // UBUNTU-CVE-… records name their CVE in `upstream`; the finding is reported under the CVE.
      const f = found.find((x) => x.sourceId === hit.r.id);
      if (hit.r.id.startsWith('UBUNTU-CVE-')) expect(f?.id).toBe(hit.r.id.replace(/^UBUNTU-/, ''));
    } finally {
      await db.destroy();
    }
  });
});

describe.skipIf(!hasShared('data', 'alpine-secdb'))('VulnMatcher on Alpine secdb', () => {
  it('reports an apk below the fixed version by its origin, not at or above it, and never a "0" (not affected) entry', async () => {
    const db = await memoryDb();
    try {
      const store = new VulnDb(db);
      const { alpineSource } = await import('../sources/alpine-source.js');
      await store.import('alpine', alpineSource.read(sharedPath('data', 'alpine-secdb'), { issues: () => undefined }));
      const { parse } = await import('yaml');
      const doc = parse(await readFile(sharedPath('data', 'alpine-secdb', 'v3.11', 'main.yaml'), 'utf8')) as { packages: { pkg: { name: string; secfixes?: Record<string, string[]> } }[] };
      const [fixed, cves] = Object.entries(doc.packages.find((p) => p.pkg.name === 'ansible')?.pkg.secfixes ?? {})[0] ?? ['', []];
      const distro = { id: 'alpine', versionId: '3.11.6', ecosystem: 'Alpine:v3.11' };
      const apk = (version: string) => pkg('apk', 'ansible-doc', version, { source: { name: 'ansible' } });
      const below = (await matcher(store).match([apk(fixed.replace(/-r\d+$/, '-r0').replace(/(\d+)-r0$/, (_m, n: string) => `${Number(n) - 1}-r0`))], distro)).map((f) => f.id);
      expect(below).toContain(cves[0]);
      expect((await matcher(store).match([apk(fixed)], distro)).map((f) => f.id)).not.toContain(cves[0]);
      const dbDoc = parse(await readFile(sharedPath('data', 'alpine-secdb', 'v3.8', 'main.yaml'), 'utf8')) as typeof doc;
      const zero = dbDoc.packages.find((p) => p.pkg.secfixes?.['0'] !== undefined);
      if (!zero) throw new Error('no "0" secfixes entry in v3.8');
      const found = await matcher(store).match([pkg('apk', zero.pkg.name, '1.0-r0')], { id: 'alpine', ecosystem: 'Alpine:v3.8' });
      expect(found.filter((f) => zero.pkg.secfixes?.['0']?.includes(f.id))).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});

function matcher(store: VulnDb): VulnMatcher {
  return new VulnMatcher(store);
}

describe.skipIf(!hasShared('data', 'osv', 'Maven'))('VulnMatcher on jars without a groupId', () => {
  it('finds the advisories of an artifactId only one Maven package has, never of an ambiguous one, and indexes changes by artifactId', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const db = await memoryDb();
    const dir = await mkdtemp(join(tmpdir(), 'maven-osv-'));
    try {
      const store = new VulnDb(db);
      await store.import('osv', osvSource.read(sharedPath('data', 'osv', 'Maven'), { issues: () => undefined }));
      // A second group publishing "snakeyaml" makes that artifactId ambiguous.
      await writeFile(
        join(dir, 'GHSA-test-fork-0001.json'),
        JSON.stringify({
          id: 'GHSA-test-fork-0001',
          modified: '2024-01-01T00:00:00Z',
          affected: [{ package: { ecosystem: 'Maven', name: 'org.example.fork:snakeyaml' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '9.0' }] }] }],
        }),
      );
      await store.import('osv', osvSource.read(dir, { issues: () => undefined }));
      const changed = await db.selectFrom('vuln_changes').select(['ecosystem', 'package']).where('ecosystem', '=', 'Maven').execute();
      expect(changed.map((r) => r.package)).toEqual(expect.arrayContaining(['org.example.fork:snakeyaml', 'snakeyaml']));

      const groupless = (name: string, version: string) => pkg('maven', name, version, { metadata: { groupIdUnknown: true } });
      const matcher = new VulnMatcher(store);
      const findings = await matcher.match([groupless('spring-webmvc', '5.3.17'), groupless('spring-beans', '5.3.18'), groupless('snakeyaml', '1.33')]);
      const hits = findings.map((f) => `${f.package.name}@${f.package.version} ${f.matchedName}`);
      expect(hits).toEqual([`spring-webmvc@5.3.17 org.springframework:spring-webmvc`]);
      expect(findings[0]?.fixedVersion).toBe('5.3.18');
      expect([findings[0]?.id, ...(findings[0]?.aliases ?? [])]).toContain('GHSA-36p3-wjmg-h94x');
    } finally {
      await rm(dir, { recursive: true, force: true });
      await db.destroy();
    }
  });
});
