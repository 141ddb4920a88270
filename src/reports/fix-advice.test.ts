/**
 * Upgrade advice over hand-made reports: the smallest version fixing every fixable finding under the
 * real version schemes (deb epochs and tildes, npm prereleases, PEP 440 post/dev releases), source
 * package grouping for distro packages, counts that add up to the summary, and impact order.
 */
import { describe, expect, it } from 'vitest';
import type { PackageType } from '../model/package.js';
import type { FindingStatus } from '../vulndb/match/finding.js';
import { buildFixAdvice, schemeForPackage } from './fix-advice.js';
import type { ReportPackage, ReportVulnerability } from './vulnerability-report.js';
import type { ReportSeverity } from './severity.js';

function vuln(id: string, severity: ReportSeverity, fixedVersion?: string, status: FindingStatus = fixedVersion !== undefined ? 'fixed' : 'not-fixed'): ReportVulnerability {
  return {
    id,
    aliases: [],
    severity,
    status,
    fixedVersions: fixedVersion !== undefined ? [fixedVersion] : [],
    ...(fixedVersion !== undefined ? { fixedVersion } : {}),
    source: 'osv',
    url: `https://osv.dev/${id}`,
  };
}

function pkg(type: PackageType, name: string, version: string, vulns: ReportVulnerability[], extra: Partial<ReportPackage> = {}): ReportPackage {
  return { purl: `pkg:${type}/${name}@${version}`, name, version, type, locations: [{ path: `/x/${name}` }], vulnerabilities: vulns, ...extra };
}

describe('buildFixAdvice', () => {
  it('orders Debian fixes with epochs and tildes, and groups binaries under their source package', () => {
    const source = { name: 'openssl', version: '1:3.0.11-1~deb12u2' };
    // String order would pick "1:3.0.9…" over "1:3.0.15…"; and "~deb12u1" sorts before the bare revision.
    const fixes = ['1:3.0.15-1~deb12u1', '1:3.0.9-1', '1:3.0.15-1~deb12u0'];
    const libssl = pkg('deb', 'libssl3', '1:3.0.11-1~deb12u2', [vuln('CVE-1', 'critical', fixes[0]), vuln('CVE-2', 'high', fixes[1])], { ecosystem: 'Debian:12', source });
    const openssl = pkg('deb', 'openssl', '1:3.0.11-1~deb12u2', [vuln('CVE-1', 'critical', fixes[0]), vuln('CVE-3', 'low', fixes[2]), vuln('CVE-4', 'medium')], { ecosystem: 'Debian:12', source });
    const advice = buildFixAdvice({ packages: [libssl, openssl] });
    expect(advice.packages).toHaveLength(1);
    const up = advice.packages[0];
    expect(up).toMatchObject({ name: 'openssl', type: 'deb', installed: '1:3.0.11-1~deb12u2', upgradeTo: '1:3.0.15-1~deb12u1', binaries: ['libssl3', 'openssl'], purl: openssl.purl });
    expect(up?.removes).toEqual({ critical: 2, high: 1, medium: 0, low: 1, unknown: 0, total: 4 });
    expect(up?.remaining).toEqual({ critical: 0, high: 0, medium: 1, low: 0, unknown: 0, total: 1 });
    expect(up?.advice).toBe('upgrade openssl (libssl3, openssl) to 1:3.0.15-1~deb12u1');
    expect(advice.unfixable.total).toBe(1);
  });

  it('prefers a higher epoch over a larger upstream version', () => {
    const p = pkg('deb', 'curl', '7.88.1-10', [vuln('CVE-a', 'high', '7.99.0-1'), vuln('CVE-b', 'high', '1:7.88.1-11')], { ecosystem: 'Debian:12', source: { name: 'curl' } });
    expect(buildFixAdvice({ packages: [p] }).packages[0]?.upgradeTo).toBe('1:7.88.1-11');
  });

  it('orders npm versions by SemVer: a release beats its prereleases, 4.17.10 beats 4.17.9', () => {
    const p = pkg('npm', 'lodash', '4.17.4', [vuln('GHSA-1', 'high', '4.17.9'), vuln('GHSA-2', 'medium', '4.17.10-rc.1'), vuln('GHSA-3', 'low', '4.17.10')], { ecosystem: 'npm' });
    const [up] = buildFixAdvice({ packages: [p] }).packages;
    expect(up).toMatchObject({ name: 'lodash', upgradeTo: '4.17.10', installed: '4.17.4' });
    expect(up?.binaries).toBeUndefined();
    expect(up?.advice).toBe('upgrade lodash to 4.17.10');
  });

  it('orders PyPI versions by PEP 440: post releases after, dev releases before the release', () => {
    const p = pkg('pypi', 'django', '3.0', [vuln('PYSEC-1', 'high', '3.0.1.dev1'), vuln('PYSEC-2', 'critical', '3.0.1'), vuln('PYSEC-3', 'low', '3.0.1.post1')], { ecosystem: 'PyPI' });
    expect(buildFixAdvice({ packages: [p] }).packages[0]?.upgradeTo).toBe('3.0.1.post1');
    const q = pkg('pypi', 'pyyaml', '5.3', [vuln('PYSEC-4', 'high', '5.4'), vuln('PYSEC-5', 'high', '5.4.0rc1')], { ecosystem: 'PyPI' });
    expect(buildFixAdvice({ packages: [q] }).packages[0]?.upgradeTo).toBe('5.4');
  });

  it('falls back to the purl type scheme when the package has no ecosystem', () => {
    expect(schemeForPackage({ type: 'pypi' })).toBe('pypi');
    expect(schemeForPackage({ type: 'deb', ecosystem: 'Ubuntu:22.04' })).toBe('deb');
    expect(schemeForPackage({ type: 'github' })).toBe('golang');
    const p = pkg('pypi', 'x', '1.0', [vuln('A', 'low', '1.0.10'), vuln('B', 'low', '1.0.9')]);
    expect(buildFixAdvice({ packages: [p] }).packages[0]?.upgradeTo).toBe('1.0.10');
  });

  it('counts will-not-fix and not-fixed findings as unfixable, and sorts by critical, then high, then total', () => {
    const packages = [
      pkg('npm', 'a', '1.0.0', [vuln('A1', 'high', '1.0.1'), vuln('A2', 'high', '1.0.1'), vuln('A3', 'high', '1.0.1')], { ecosystem: 'npm' }),
      pkg('npm', 'b', '1.0.0', [vuln('B1', 'critical', '2.0.0')], { ecosystem: 'npm' }),
      pkg('npm', 'c', '1.0.0', [vuln('C1', 'high', '1.1.0'), vuln('C2', 'high', '1.1.0'), vuln('C3', 'high', '1.1.0'), vuln('C4', 'low', '1.1.0')], { ecosystem: 'npm' }),
      pkg('deb', 'bash', '5.2-1', [vuln('D1', 'critical', undefined, 'will-not-fix'), vuln('D2', 'low')], { ecosystem: 'Debian:12', source: { name: 'bash' } }),
    ];
    const advice = buildFixAdvice({ packages });
    expect(advice.packages.map((p) => p.name)).toEqual(['b', 'c', 'a']);
    expect(advice.unfixable).toEqual({ critical: 1, high: 0, medium: 0, low: 1, unknown: 0, total: 2 });
    const removed = advice.packages.reduce((n, p) => n + p.removes.total, 0);
    const all = packages.reduce((n, p) => n + p.vulnerabilities.length, 0);
    expect(removed + advice.unfixable.total).toBe(all);
  });

  it('keeps two installed versions of one package apart', () => {
    const packages = [
      pkg('npm', 'minimist', '0.0.8', [vuln('M1', 'critical', '0.2.1')], { ecosystem: 'npm' }),
      pkg('npm', 'minimist', '1.2.0', [vuln('M1', 'critical', '1.2.6')], { ecosystem: 'npm' }),
    ];
    const advice = buildFixAdvice({ packages });
    expect(advice.packages.map((p) => `${p.installed}->${p.upgradeTo}`).sort()).toEqual(['0.0.8->0.2.1', '1.2.0->1.2.6']);
  });
});
