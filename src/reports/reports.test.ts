import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../test/helpers/shared.js';
import type { Digest } from '../core/digest.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { Package } from '../model/package.js';
import type { ImageSbom } from '../model/sbom.js';
import { cycloneDxValidator } from '../sbom/_testkit/sbom-testkit.js';
import type { Finding } from '../vulndb/match/finding.js';
import { VulnMatcher } from '../vulndb/match/matcher.js';
import { osvSource } from '../vulndb/sources/osv-source.js';
import { memoryDb } from '../vulndb/test-helpers.js';
import { VulnDb } from '../vulndb/vulndb-store.js';
import { renderCycloneDxWithVulnerabilities } from './cyclonedx-vulnerabilities.js';
import { renderSarif } from './sarif.js';
import { failsThreshold, REPORT_SEVERITIES, severityRank } from './severity.js';
import { renderTable } from './table.js';
import { buildVulnerabilityReport } from './vulnerability-report.js';

const pypi = (name: string, version: string, layerIndex: number): Package => ({
  name,
  version,
  type: 'pypi',
  purl: `pkg:pypi/${name}@${version}`,
  ecosystem: 'PyPI',
  licenses: [],
  locations: [{ path: `/usr/lib/python3/site-packages/${name}-${version}.dist-info/METADATA`, layerIndex, layerDigest: `sha256:${String(layerIndex).repeat(64)}` as Digest, createdBy: `RUN pip install ${name}` }],
  foundBy: 'python-installed',
});

const sbom: ImageSbom = {
  image: {
    digest: `sha256:${'a'.repeat(64)}` as Digest,
    repository: 'team/app',
    tag: 'v1',
    platform: { os: 'linux', architecture: 'amd64' },
    layers: [
      { digest: `sha256:${'0'.repeat(64)}` as Digest, index: 0 },
      { digest: `sha256:${'1'.repeat(64)}` as Digest, index: 1 },
    ],
  },
  distro: { id: 'debian', versionId: '12', ecosystem: 'Debian:12' },
  packages: [pypi('django', '3.0.0', 1), pypi('pyyaml', '5.3', 1), pypi('requests', '2.31.0', 0), pypi('no-such-package', '1.0', 0)],
  analyzedAt: '2026-11-23T00:00:00.000Z',
  tool: { name: 'crowsnest', version: '0.0.0-test' },
};

describe.skipIf(!hasShared('data', 'osv', 'PyPI'))('vulnerability reports from real PyPI advisories', () => {
  let db: Kysely<Database>;
  let findings: Finding[];
  beforeAll(async () => {
    db = await memoryDb();
    const store = new VulnDb(db);
    await store.import('osv', osvSource.read(sharedPath('data', 'osv', 'PyPI'), { issues: () => undefined }));
    findings = await new VulnMatcher(store).match(sbom.packages, sbom.distro);
  }, 60_000);
  afterAll(() => db.destroy());

  it('groups findings per package, worst first, and counts each vulnerability once in the summary', () => {
    expect(findings.length).toBeGreaterThan(10);
    const report = buildVulnerabilityReport(sbom, findings, { evaluatedAt: '2026-11-23T01:00:00.000Z', db: { version: 3 } });
    const names = report.packages.map((p) => p.name);
    expect(names).toContain('django');
    expect(names).toContain('pyyaml');
    expect(names).not.toContain('no-such-package');
    const total = REPORT_SEVERITIES.reduce((n, s) => n + report.summary[s], 0);
    expect(total).toBe(report.packages.reduce((n, p) => n + p.vulnerabilities.length, 0));
    expect(total).toBe(new Set(findings.map((f) => `${f.package.purl} ${f.id}`)).size);
    for (let i = 1; i < report.packages.length; i++) {
      const worst = (j: number) => Math.min(...(report.packages[j]?.vulnerabilities ?? []).map((v) => severityRank(v.severity)));
      expect(worst(i - 1)).toBeLessThanOrEqual(worst(i));
    }
    const django = report.packages.find((p) => p.name === 'django');
    expect(django?.locations[0]?.createdBy).toBe('RUN pip install django');
    for (const v of django?.vulnerabilities ?? []) {
      expect(v.url).toMatch(/^https:\/\//);
      if (v.fixedVersion) expect(v.fixedVersions).toContain(v.fixedVersion);
    }
    expect(report.image).toMatchObject({ digest: sbom.image.digest, platform: 'linux/amd64', os: { id: 'debian', version: '12' } });
  });

  it('renders CycloneDX with vulnerabilities that validates against the official 1.6 schema', async () => {
    const bom = renderCycloneDxWithVulnerabilities(sbom, findings);
    const validate = await cycloneDxValidator();
    expect(validate(bom)).toEqual([]);
    const refs = new Set(bom.components.map((c) => c['bom-ref']));
    for (const v of bom.vulnerabilities) for (const a of v.affects) expect(refs.has(a.ref)).toBe(true);
    expect(new Set(bom.vulnerabilities.map((v) => v.id)).size).toBe(bom.vulnerabilities.length);
  });

  it('renders SARIF results per (advisory, package) and a readable table', () => {
    const report = buildVulnerabilityReport(sbom, findings, { evaluatedAt: '2026-11-23T01:00:00.000Z', db: { version: 3 } });
    const sarif = renderSarif(report, { name: 'crowsnest', version: '0.0.0-test' }) as { version: string; runs: { results: { ruleId: string }[]; tool: { driver: { rules: { id: string }[] } } }[] };
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    expect(run?.results.length).toBe(report.packages.reduce((n, p) => n + p.vulnerabilities.length, 0));
    const ruleIds = new Set(run?.tool.driver.rules.map((r) => r.id));
    for (const r of run?.results ?? []) expect(ruleIds.has(r.ruleId)).toBe(true);
    const table = renderTable(report);
    expect(table).toMatch(/^PACKAGE\s+VERSION/m);
    expect(table).toContain('django');
    expect(table).toMatch(/vulnerabilities: \d+ critical, \d+ high/);
  });
});

describe('severity threshold', () => {
  it('fails at the threshold or worse', () => {
    const summary = { critical: 0, high: 1, medium: 0, low: 3, unknown: 0 };
    expect(failsThreshold(summary, 'critical')).toBe(false);
    expect(failsThreshold(summary, 'high')).toBe(true);
    expect(failsThreshold(summary, 'low')).toBe(true);
    expect(failsThreshold({ critical: 0, high: 0, medium: 0, low: 0, unknown: 1 }, 'low')).toBe(false);
    expect(failsThreshold({ critical: 0, high: 0, medium: 0, low: 0, unknown: 1 }, 'unknown')).toBe(true);
  });
});
