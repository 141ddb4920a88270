/** Severity ordering (worst first) shared by badges, the tags table and the vulnerabilities tab. */
import { SEVERITIES, type Severity, type SeveritySummary } from '../api/types.js';

export function severityRank(s: Severity | string | undefined): number {
  const i = SEVERITIES.indexOf((s ?? 'unknown') as Severity);
  return i < 0 ? SEVERITIES.length : i;
}

export function totalOf(summary: SeveritySummary | null | undefined): number {
  if (!summary) return 0;
  return SEVERITIES.reduce((n, s) => n + (summary[s] ?? 0), 0);
}
