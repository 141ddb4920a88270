/**
 * Severity colour coding: one badge per level with its count (zero counts stay visible but muted, so the
 * columns of the tags table line up), and the ordering used to sort packages and findings by worst severity.
 */
import type { ReactNode } from 'react';
import { SEVERITIES, type Severity, type SeveritySummary } from '../api/types.js';

export { severityRank, totalOf } from '../lib/severity.js';

export function SeverityBadge({ severity, count }: { severity: Severity; count?: number }): ReactNode {
  const label = count === undefined ? severity : `${count} ${severity}`;
  return (
    <span className={`sev sev-${severity}${count === 0 ? ' sev-zero' : ''}`} title={label} aria-label={label}>
      {count === undefined ? severity : count}
      {count !== undefined && <span className="sev-letter" aria-hidden="true">{severity[0]?.toUpperCase()}</span>}
    </span>
  );
}

export function SummaryBadges({ summary }: { summary: SeveritySummary }): ReactNode {
  return (
    <span className="sev-group">
      {SEVERITIES.map((s) => (
        <SeverityBadge key={s} severity={s} count={summary[s] ?? 0} />
      ))}
    </span>
  );
}

