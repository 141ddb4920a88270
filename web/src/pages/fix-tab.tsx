/**
 * The Fix tab of a tag: what to do about its findings. A newer tag of the base image it was built on
 * first (with how many of this image's findings the switch removes), then the package upgrades (the
 * smallest version fixing every fixable finding; distro upgrades name the source package and its
 * binaries), then what no upgrade fixes yet. Reads `…/tags/{tag}/recommendations`.
 */
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { apiJson, repoPath } from '../api/client.js';
import { SEVERITIES, type FindingCounts, type Recommendations } from '../api/types.js';
import { formatDate, shortDigest } from '../components/format.js';
import { SeverityBadge, SummaryBadges } from '../components/severity.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { useAsync } from '../components/use-async.js';

/** "−4 (2 critical, 2 high)": the text form, for labels and people who do not read colours. */
export function removalText(c: FindingCounts): string {
  const parts = SEVERITIES.filter((s) => c[s] > 0).map((s) => `${c[s]} ${s}`);
  return `−${c.total}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/** Non-zero severities as badges, led by the total; screen readers get the text form instead. */
function Removes({ counts, label }: { counts: FindingCounts; label: string }): ReactNode {
  return (
    <span className="fix-removes" data-total={counts.total}>
      <span className="visually-hidden fix-removes-text">{`${label}: ${removalText(counts)}`}</span>
      <strong aria-hidden="true">−{counts.total}</strong>{' '}
      <span className="sev-group" aria-hidden="true">
        {SEVERITIES.filter((s) => counts[s] > 0).map((s) => (
          <SeverityBadge key={s} severity={s} count={counts[s]} />
        ))}
      </span>
    </span>
  );
}

function tagLink(repository: string, tag: string): string {
  return `/repositories/${repository}/tags/${encodeURIComponent(tag)}`;
}

function BaseImageSection({ base }: { base: NonNullable<Recommendations['baseImage']> }): ReactNode {
  const { current, candidates } = base;
  const currentName = `${current.repository}${current.tag !== undefined ? `:${current.tag}` : ''}`;
  return (
    <section aria-labelledby="fix-base-heading" className="fix-section">
      <h2 id="fix-base-heading">Base image</h2>
      <p>
        Built on{' '}
        {current.tag !== undefined ? <Link to={tagLink(current.repository, current.tag)}>{currentName}</Link> : <span>{currentName}</span>}{' '}
        <code title={current.digest}>{shortDigest(current.digest)}</code>{' '}
        <span className="muted small">({current.via === 'annotation' ? 'named by the image annotations' : `its ${current.layerCount === 1 ? 'layer starts' : `${current.layerCount} layers start`} this image`})</span>
      </p>
      {candidates.length === 0 ? (
        <p className="muted">No newer analyzed tag of {current.repository} was pushed after it.</p>
      ) : (
        <ul className="fix-candidates" aria-label="Newer base images">
          {candidates.map((c) => (
            <li key={c.digest} className="fix-candidate" data-tag={c.tag}>
              <p>
                Switch base <strong>{currentName}</strong> → <Link to={tagLink(c.repository, c.tag)}>{`${c.repository}:${c.tag}`}</Link>:{' '}
                <Removes counts={c.removes} label="findings removed" />
              </p>
              <p className="muted small">
                Pushed {formatDate(c.pushedAt)}
                {c.tags.length > 1 ? ` · also tagged ${c.tags.filter((t) => t !== c.tag).join(', ')}` : ''} · its own findings: <SummaryBadges summary={c.summary} />
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function FixTab(props: { repository: string; tag: string; platform: string | undefined }): ReactNode {
  const { repository, tag, platform } = props;
  const { state, reload } = useAsync(
    (signal) => apiJson<Recommendations>(repoPath(repository, 'tags', tag, 'recommendations') + (platform ? `?platform=${encodeURIComponent(platform)}` : ''), { signal }),
    [repository, tag, platform],
  );
  if (state.status === 'loading') return <Loading label="Loading fix advice…" />;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={reload} />;
  const data = state.data;
  const findings = SEVERITIES.reduce((n, s) => n + data.summary[s], 0);
  if (findings === 0 && !data.baseImage) {
    return (
      <div className="tab-panel">
        <Empty title="Nothing to fix">No known vulnerabilities in this image.</Empty>
      </div>
    );
  }
  return (
    <div className="tab-panel fix-tab">
      {data.baseImage && <BaseImageSection base={data.baseImage} />}
      <section aria-labelledby="fix-packages-heading" className="fix-section">
        <h2 id="fix-packages-heading">Package upgrades</h2>
        {data.packages.length === 0 ? (
          <Empty title={findings === 0 ? 'No known vulnerabilities' : 'No package upgrade fixes a finding'} />
        ) : (
          <div className="table-wrap">
            <table className="data-table fix-table">
              <caption className="visually-hidden">Package upgrades</caption>
              <thead>
                <tr>
                  <th scope="col">Package</th>
                  <th scope="col">Installed → upgrade to</th>
                  <th scope="col">Findings removed</th>
                  <th scope="col">Still without fix</th>
                </tr>
              </thead>
              <tbody>
                {data.packages.map((p) => (
                  <tr key={`${p.purl} ${p.installed}`} data-package={p.name}>
                    <th scope="row">
                      {p.name} <span className="pill">{p.type}</span>
                      {p.binaries && (p.binaries.length > 1 || p.binaries[0] !== p.name) && <div className="muted small">binaries: {p.binaries.join(', ')}</div>}
                    </th>
                    <td>
                      <code>{p.installed}</code> → <code className="fix-target">{p.upgradeTo}</code>
                    </td>
                    <td>
                      <Removes counts={p.removes} label="findings removed" />
                    </td>
                    <td>{p.remaining.total > 0 ? <span data-total={p.remaining.total}>{p.remaining.total}</span> : <span className="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="fix-unfixable-heading" className="fix-section">
        <h2 id="fix-unfixable-heading">No fix available</h2>
        {data.unfixable.total === 0 ? (
          <p className="muted">{findings === 0 ? 'Nothing to report.' : 'Every finding has a fixed version.'}</p>
        ) : (
          <p className="fix-unfixable" data-total={data.unfixable.total}>
            {data.unfixable.total} finding{data.unfixable.total === 1 ? '' : 's'} without a published fix (or marked will not fix): <SummaryBadges summary={data.unfixable} />
          </p>
        )}
      </section>
    </div>
  );
}
