/**
 * The five severity buckets reports show (CONTRACT.md summary: critical, high, medium, low,
 * unknown), their order, and the `--fail-on` threshold check. Data sources also say "negligible"
 * (Debian, Ubuntu) and "moderate"/"important" (GitHub, Red Hat); those map onto the five.
 */

export const REPORT_SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'] as const;
export type ReportSeverity = (typeof REPORT_SEVERITIES)[number];
export type SeveritySummary = Record<ReportSeverity, number>;

const ALIASES: Readonly<Record<string, ReportSeverity>> = {
  critical: 'critical',
  important: 'high',
  high: 'high',
  moderate: 'medium',
  medium: 'medium',
  low: 'low',
  negligible: 'low',
  unimportant: 'low',
};

export function reportSeverity(value: string | undefined): ReportSeverity {
  return ALIASES[(value ?? '').toLowerCase()] ?? 'unknown';
}

/** 0 = critical … 4 = unknown. */
export function severityRank(severity: ReportSeverity): number {
  return REPORT_SEVERITIES.indexOf(severity);
}

export function emptySummary(): SeveritySummary {
  return { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
}

export function isReportSeverity(value: string): value is ReportSeverity {
  return (REPORT_SEVERITIES as readonly string[]).includes(value);
}

/**
 * Whether a summary trips `--fail-on threshold`: any finding at the threshold or worse. `unknown`
 * as a threshold means every finding counts (nothing is known to be below it).
 */
export function failsThreshold(summary: SeveritySummary, threshold: ReportSeverity): boolean {
  if (threshold === 'unknown') return REPORT_SEVERITIES.some((s) => summary[s] > 0);
  return REPORT_SEVERITIES.slice(0, severityRank(threshold) + 1).some((s) => summary[s] > 0);
}
