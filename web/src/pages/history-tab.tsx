/**
 * The History tab of a tag: every evaluation that changed its findings — the first one after analysis,
 * then each re-evaluation when the vulnerability data changed (advanced repositories) — newest first,
 * with what was added, removed and changed, when, and with which data revision.
 */
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { apiJson, repoPath } from '../api/client.js';
import type { FindingRef, Timeline } from '../api/types.js';
import { formatDate } from '../components/format.js';
import { SeverityBadge, SummaryBadges } from '../components/severity.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { useAsync } from '../components/use-async.js';

const SHOWN = 50;

function FindingList({ title, findings }: { title: string; findings: readonly FindingRef[] }): ReactNode {
  if (findings.length === 0) return null;
  return (
    <div className="history-list">
      <h4>
        {title} ({findings.length})
      </h4>
      <ul>
        {findings.slice(0, SHOWN).map((f) => (
          <li key={`${f.package.purl} ${f.id}`}>
            <SeverityBadge severity={f.severity} /> <Link to={`/vulnerabilities/${encodeURIComponent(f.id)}`}>{f.id}</Link> in{' '}
            <code>
              {f.package.name} {f.package.version}
            </code>
            {f.previousSeverity && <span className="muted small"> (was {f.previousSeverity})</span>}
            {f.fixAvailable && <span className="muted small"> (fix now available{f.fixedVersions[0] ? `: ${f.fixedVersions[0]}` : ''})</span>}
          </li>
        ))}
      </ul>
      {findings.length > SHOWN && <p className="muted small">… and {findings.length - SHOWN} more</p>}
    </div>
  );
}

export function HistoryTab(props: { repository: string; tag: string; platform: string | undefined }): ReactNode {
  const { repository, tag, platform } = props;
  const { state, reload } = useAsync(
    (signal) => apiJson<Timeline>(repoPath(repository, 'tags', tag, 'timeline') + (platform ? `?platform=${encodeURIComponent(platform)}` : ''), { signal }),
    [repository, tag, platform],
  );
  if (state.status === 'loading') return <Loading label="Loading history…" />;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={reload} />;
  const entries = [...state.data.entries].reverse();
  if (entries.length === 0) return <Empty title="No history yet">The image has not been evaluated.</Empty>;
  return (
    <div className="tab-panel">
      <ol className="timeline" aria-label="Vulnerability history">
        {entries.map((e) => (
          <li key={`${e.at}-${e.revision}`} className="timeline-entry">
            <h3>
              <time dateTime={e.at}>{formatDate(e.at)}</time> · {e.kind === 'analysis' ? 'first evaluation after analysis' : 're-evaluated'}{' '}
              <span className="muted small">(vulnerability data {e.revision})</span>
            </h3>
            <SummaryBadges summary={e.summary} />
            <FindingList title="Added" findings={e.added} />
            <FindingList title="Removed" findings={e.removed} />
            <FindingList title="Changed" findings={e.changed} />
            {e.added.length + e.removed.length + e.changed.length === 0 && <p className="muted small">No vulnerabilities found.</p>}
          </li>
        ))}
      </ol>
    </div>
  );
}
