/**
 * `crowsnest scan --format sarif`: SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab,
 * Azure DevOps). One rule per advisory, one result per (advisory, package), located at the file
 * that shows the package (its first location in the image); the level follows the severity.
 */
import type { ReportSeverity } from './severity.js';
import type { VulnerabilityReport } from './vulnerability-report.js';

const LEVEL: Readonly<Record<ReportSeverity, 'error' | 'warning' | 'note'>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  unknown: 'note',
};

/** GitHub's `security-severity` property: a CVSS-like number it buckets into its own levels. */
const SECURITY_SEVERITY: Readonly<Record<ReportSeverity, string>> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '2.0',
  unknown: '0.0',
};

export function renderSarif(report: VulnerabilityReport, tool: { name: string; version: string }): unknown {
  const rules = new Map<string, unknown>();
  const results: unknown[] = [];
  for (const pkg of report.packages) {
    const path = (pkg.locations[0]?.path ?? '/').replace(/^\/+/, '');
    for (const v of pkg.vulnerabilities) {
      if (!rules.has(v.id)) {
        const score = v.cvss?.score !== undefined ? v.cvss.score.toFixed(1) : SECURITY_SEVERITY[v.severity];
        rules.set(v.id, {
          id: v.id,
          name: v.id.replace(/[^A-Za-z0-9]/g, ''),
          shortDescription: { text: v.summary ?? `${v.id} in ${pkg.name}` },
          helpUri: v.url,
          help: { text: `${v.id}: ${v.summary ?? ''} ${v.url}`.trim() },
          properties: { 'security-severity': score, tags: ['security', 'vulnerability', v.severity] },
        });
      }
      const fix = v.fixedVersion ? `; upgrade to ${v.fixedVersion}` : v.status === 'not-fixed' ? '; no fix available yet' : '';
      results.push({
        ruleId: v.id,
        level: LEVEL[v.severity],
        message: { text: `${pkg.name} ${pkg.version} is affected by ${v.id} (${v.severity})${fix}` },
        locations: [{ physicalLocation: { artifactLocation: { uri: path } } }],
        partialFingerprints: { 'crowsnest/v1': `${v.id}:${pkg.purl}` },
        properties: { purl: pkg.purl, ...(pkg.locations[0]?.layerDigest ? { layerDigest: pkg.locations[0].layerDigest } : {}) },
      });
    }
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: tool.name, version: tool.version, informationUri: 'https://github.com/crowsnest', rules: [...rules.values()] } },
        results,
        properties: { image: report.image.digest, ...(report.image.platform ? { platform: report.image.platform } : {}) },
      },
    ],
  };
}
