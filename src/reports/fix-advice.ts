/**
 * Package upgrade advice from a tag's vulnerability report: per package (per distro SOURCE package,
 * whose binaries upgrade together) the smallest version that fixes every fixable finding on the
 * installed line, how many findings that removes by severity, and what stays without a fix.
 * Pure: the report carries everything; versions are ordered by the ecosystem's own scheme.
 */
import type { PackageType } from '../model/package.js';
import { compare, isSchemeName, schemeForEcosystem, type SchemeName } from '../versions/index.js';
import type { ReportPackage, ReportVulnerability, VulnerabilityReport } from './vulnerability-report.js';
import { emptySummary, REPORT_SEVERITIES, type SeveritySummary } from './severity.js';

/** Findings by severity plus their total. */
export type RemovalCounts = SeveritySummary & { total: number };

export interface PackageUpgrade {
  /** The package to upgrade: the source package for distro packages, else the package itself. */
  readonly name: string;
  readonly type: PackageType;
  readonly purl: string;
  readonly ecosystem?: string;
  readonly installed: string;
  readonly upgradeTo: string;
  readonly removes: RemovalCounts;
  /** Findings of these packages that the upgrade leaves (no fix published, or will not be fixed). */
  readonly remaining: RemovalCounts;
  /** Distro packages: the installed binary packages built from the source package, all upgraded together. */
  readonly binaries?: readonly string[];
  /** One line for people and logs: "upgrade openssl (libssl3, openssl) to 3.0.15-1~deb12u1". */
  readonly advice: string;
}

export interface FixAdvice {
  readonly packages: readonly PackageUpgrade[];
  /** Every finding no upgrade removes (status not-fixed / will-not-fix, or no fixed version known). */
  readonly unfixable: RemovalCounts;
}

/** Package types whose advisories key on the source package, so upgrades go by source package. */
const DISTRO_TYPES: ReadonlySet<PackageType> = new Set<PackageType>(['deb', 'apk', 'rpm', 'alpm']);

export function emptyCounts(): RemovalCounts {
  return { ...emptySummary(), total: 0 };
}

function count(into: RemovalCounts, v: ReportVulnerability): void {
  into[v.severity]++;
  into.total++;
}

/**
 * The version order for a package: its ecosystem's scheme, else the one named like its purl type
 * (GitHub Actions refs follow the Go rules, as in ECOSYSTEM_SCHEMES). SemVer is the last resort for a
 * type without a scheme, so versions are never compared as plain strings.
 */
export function schemeForPackage(pkg: { readonly type: PackageType; readonly ecosystem?: string }): SchemeName {
  const byEcosystem = pkg.ecosystem !== undefined ? schemeForEcosystem(pkg.ecosystem) : undefined;
  if (byEcosystem) return byEcosystem;
  if (pkg.type === 'github') return 'golang';
  return isSchemeName(pkg.type) ? pkg.type : 'semver';
}

export function isFixable(v: ReportVulnerability): v is ReportVulnerability & { fixedVersion: string } {
  return v.status === 'fixed' && v.fixedVersion !== undefined && v.fixedVersion !== '';
}

interface Group {
  readonly name: string;
  readonly type: PackageType;
  readonly ecosystem?: string;
  readonly installed: string;
  readonly distro: boolean;
  readonly members: ReportPackage[];
}

function groupKey(p: ReportPackage): { key: string; name: string; installed: string; distro: boolean } {
  if (DISTRO_TYPES.has(p.type) && p.source) {
    const installed = p.source.version ?? p.version;
    return { key: `${p.type}\u0000${p.ecosystem ?? ''}\u0000src:${p.source.name}\u0000${installed}`, name: p.source.name, installed, distro: true };
  }
  // The same package at two paths is one upgrade; the purl carries name and version.
  return { key: `${p.type}\u0000${p.ecosystem ?? ''}\u0000${p.purl}`, name: p.name, installed: p.version, distro: DISTRO_TYPES.has(p.type) };
}

function byImpact(a: PackageUpgrade, b: PackageUpgrade): number {
  for (const s of REPORT_SEVERITIES) if (a.removes[s] !== b.removes[s]) return b.removes[s] - a.removes[s];
  return b.removes.total - a.removes.total || a.name.localeCompare(b.name) || a.purl.localeCompare(b.purl);
}

/**
 * Counts are findings as the report's summary counts them (one per package and vulnerability), so the
 * removals of every upgrade plus `unfixable` add up to the summary's total.
 */
export function buildFixAdvice(report: Pick<VulnerabilityReport, 'packages'>): FixAdvice {
  const groups = new Map<string, Group>();
  for (const p of report.packages) {
    const g = groupKey(p);
    let group = groups.get(g.key);
    if (!group) {
      group = { name: g.name, type: p.type, ...(p.ecosystem !== undefined ? { ecosystem: p.ecosystem } : {}), installed: g.installed, distro: g.distro, members: [] };
      groups.set(g.key, group);
    }
    group.members.push(p);
  }
  const unfixable = emptyCounts();
  const packages: PackageUpgrade[] = [];
  for (const group of groups.values()) {
    const scheme = schemeForPackage(group);
    const removes = emptyCounts();
    const remaining = emptyCounts();
    let upgradeTo: string | undefined;
    for (const member of group.members) {
      for (const v of member.vulnerabilities) {
        if (!isFixable(v)) {
          count(remaining, v);
          count(unfixable, v);
          continue;
        }
        count(removes, v);
        // Each finding's fixedVersion is its smallest fix above the installed version; the largest of
        // them is the smallest version that fixes them all.
        if (upgradeTo === undefined || compare(scheme, v.fixedVersion, upgradeTo) > 0) upgradeTo = v.fixedVersion;
      }
    }
    if (upgradeTo === undefined) continue;
    const names = [...new Set(group.members.map((m) => m.name))].sort();
    const purl = (group.members.find((m) => m.name === group.name) ?? group.members[0])?.purl ?? '';
    const binaries = group.distro ? names : undefined;
    const what = binaries && (binaries.length > 1 || binaries[0] !== group.name) ? `${group.name} (${binaries.join(', ')})` : group.name;
    packages.push({
      name: group.name,
      type: group.type,
      purl,
      ...(group.ecosystem !== undefined ? { ecosystem: group.ecosystem } : {}),
      installed: group.installed,
      upgradeTo,
      removes,
      remaining,
      ...(binaries ? { binaries } : {}),
      advice: `upgrade ${what} to ${upgradeTo}`,
    });
  }
  packages.sort(byImpact);
  return { packages, unfixable };
}
