/**
 * `crowsnest scan` default output: a plain-text table grouped by package (worst first) with each
 * vulnerability's severity, status and the version that fixes it, then the summary line.
 */
import { REPORT_SEVERITIES } from './severity.js';
import type { VulnerabilityReport } from './vulnerability-report.js';

function pad(value: string, width: number): string {
  return value.length >= width ? value : value + ' '.repeat(width - value.length);
}

export function renderTable(report: VulnerabilityReport): string {
  const rows: string[][] = [['PACKAGE', 'VERSION', 'TYPE', 'VULNERABILITY', 'SEVERITY', 'STATUS', 'FIXED IN']];
  for (const pkg of report.packages) {
    pkg.vulnerabilities.forEach((v, i) => {
      rows.push([
        i === 0 ? pkg.name : '',
        i === 0 ? pkg.version : '',
        i === 0 ? pkg.type : '',
        v.id,
        v.severity.toUpperCase(),
        v.status,
        v.fixedVersion ?? (v.status === 'not-fixed' ? '(no fix yet)' : v.status === 'will-not-fix' ? "(won't fix)" : ''),
      ]);
    });
  }
  const widths = rows[0]?.map((_, c) => Math.min(48, Math.max(...rows.map((r) => (r[c] ?? '').length)))) ?? [];
  const lines = report.packages.length === 0 ? ['No vulnerabilities found.'] : rows.map((r) => r.map((cell, c) => pad(cell, widths[c] ?? 0)).join('  ').trimEnd());
  const os = report.image.os ? ` ${report.image.os.id}${report.image.os.version ? ` ${report.image.os.version}` : ''}` : '';
  const total = REPORT_SEVERITIES.reduce((n, s) => n + report.summary[s], 0);
  lines.unshift(`${report.image.digest}${report.image.platform ? ` (${report.image.platform})` : ''}${os}`, '');
  lines.push('', `${total} vulnerabilities: ${REPORT_SEVERITIES.map((s) => `${report.summary[s]} ${s}`).join(', ')} (vulnerability data revision ${report.db.version})`);
  return `${lines.join('\n')}\n`;
}
