/** The Vulnerabilities tab's filtering and ordering: packages by worst finding, findings by severity then CVSS. */
import { SEVERITIES, type PackageVulnerability, type Severity, type VulnerablePackage } from '../api/types.js';
import { severityRank } from './severity.js';

export interface FindingFilter {
  readonly severities: ReadonlySet<Severity>;
  readonly fixableOnly: boolean;
  /** Package type, or '' for all. */
  readonly type: string;
}

export function isFixable(v: PackageVulnerability): boolean {
  return (v.fixedVersions?.length ?? 0) > 0;
}

function worst(p: VulnerablePackage): number {
  return Math.min(...p.vulnerabilities.map((v) => severityRank(v.severity)), SEVERITIES.length);
}

export function sortFindings(vs: readonly PackageVulnerability[]): PackageVulnerability[] {
  return [...vs].sort(
    (a, b) => severityRank(a.severity) - severityRank(b.severity) || (b.cvss?.score ?? 0) - (a.cvss?.score ?? 0) || a.id.localeCompare(b.id),
  );
}

/** Packages keeping only matching findings (packages left with none drop out), worst package first. */
export function filterPackages(packages: readonly VulnerablePackage[], filter: FindingFilter): VulnerablePackage[] {
  return packages
    .map((p) => ({
      ...p,
      vulnerabilities: sortFindings(p.vulnerabilities.filter((v) => filter.severities.has(v.severity) && (!filter.fixableOnly || isFixable(v)))),
    }))
    .filter((p) => p.vulnerabilities.length > 0 && (filter.type === '' || p.type === filter.type))
    .sort((a, b) => worst(a) - worst(b) || b.vulnerabilities.length - a.vulnerabilities.length || a.name.localeCompare(b.name));
}
