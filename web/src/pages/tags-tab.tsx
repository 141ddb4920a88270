/**
 * The tags of a repository: sortable, paginated table with digest, platforms, pushed time, analysis status
 * and colour-coded vulnerability counts. It polls while an analysis is queued or running, so results
 * appear without a manual refresh.
 */
import { useMemo, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { apiJson, repoPath } from '../api/client.js';
import type { TagInfo } from '../api/types.js';
import { formatBytes, formatDate, shortDigest } from '../components/format.js';
import { SummaryBadges, totalOf } from '../components/severity.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { useAsync } from '../components/use-async.js';
import { anyAnalysisInProgress, sortTags, type SortKey } from '../lib/tags.js';

const PAGE_SIZE = 100;
const POLL_MS = 3000;

interface TagsData {
  readonly tags: readonly TagInfo[];
}

async function loadTags(repository: string, signal: AbortSignal): Promise<TagsData> {
  return { tags: await apiJson<TagInfo[]>(repoPath(repository, 'tags'), { signal }) };
}


/** The findings column: counts once the analysis is done; the status itself has its own column. */
function FindingsCell({ tag }: { tag: TagInfo }): ReactNode {
  const a = tag.analysis;
  if (a?.status !== 'done' || !a.summary) return <span className="muted">—</span>;
  return totalOf(a.summary) === 0 ? <span className="ok">No vulnerabilities</span> : <SummaryBadges summary={a.summary} />;
}

function SortHeader(props: { label: string; col: SortKey; sort: SortKey; desc: boolean; onSort: (k: SortKey) => void }): ReactNode {
  const active = props.sort === props.col;
  return (
    <th scope="col" aria-sort={active ? (props.desc ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => props.onSort(props.col)}>
        {props.label}
        <span aria-hidden="true">{active ? (props.desc ? ' ▼' : ' ▲') : ' ↕'}</span>
      </button>
    </th>
  );
}

export function TagsTab({ repository }: { repository: string }): ReactNode {
  const { state, reload } = useAsync(
    (signal) => loadTags(repository, signal),
    [repository],
    (data) => (anyAnalysisInProgress(data.tags) ? POLL_MS : undefined),
  );
  const [sort, setSort] = useState<SortKey>('pushedAt');
  const [desc, setDesc] = useState(true);
  const [page, setPage] = useState(0);
  const [filter, setFilter] = useState('');

  const rows = useMemo(() => {
    if (state.status !== 'ready') return [];
    const q = filter.trim().toLowerCase();
    return sortTags(
      state.data.tags.filter((t) => t.name.toLowerCase().includes(q)),
      sort,
      desc,
    );
  }, [state, sort, desc, filter]);

  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const visible = rows.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);
  const onSort = (key: SortKey): void => {
    if (key === sort) setDesc(!desc);
    else {
      setSort(key);
      setDesc(key !== 'name');
    }
    setPage(0);
  };

  if (state.status === 'loading') return <Loading label="Loading tags…" />;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={reload} />;

  return (
    <div className="tab-panel">
      <HowToPush repository={repository} />
      {state.data.tags.length === 0 ? (
        <Empty title="No tags yet">
          <p>Push an image with the commands above.</p>
        </Empty>
      ) : (
        <>
          <div className="toolbar">
            <label className="search">
              <span className="visually-hidden">Filter tags</span>
              <input
                type="search"
                placeholder="Filter tags"
                value={filter}
                onChange={(e) => {
                  setFilter(e.target.value);
                  setPage(0);
                }}
              />
            </label>
            <span className="muted" aria-live="polite">
              {rows.length} {rows.length === 1 ? 'tag' : 'tags'}
            </span>
            <button type="button" onClick={reload}>
              Refresh
            </button>
          </div>
          <div className="table-wrap">
            <table className="data-table tags-table">
              <caption className="visually-hidden">Tags of {repository}</caption>
              <thead>
                <tr>
                  <SortHeader label="Tag" col="name" sort={sort} desc={desc} onSort={onSort} />
                  <th scope="col">Digest</th>
                  <th scope="col" className="col-optional">Platforms</th>
                  <th scope="col" className="col-optional">Size</th>
                  <SortHeader label="Pushed" col="pushedAt" sort={sort} desc={desc} onSort={onSort} />
                  <SortHeader label="Analysis" col="status" sort={sort} desc={desc} onSort={onSort} />
                  <SortHeader label="Vulnerabilities" col="vulnerabilities" sort={sort} desc={desc} onSort={onSort} />
                </tr>
              </thead>
              <tbody>
                {visible.map((t) => {
                  const digest = t.digest;
                  return (
                    <tr key={t.name}>
                      <th scope="row">
                        <Link to={`/repositories/${repository}/tags/${encodeURIComponent(t.name)}`}>{t.name}</Link>
                      </th>
                      <td>
                        <code title={digest} data-digest={digest}>
                          {digest ? shortDigest(digest) : '…'}
                        </code>
                      </td>
                      <td className="col-optional">{t.platforms && t.platforms.length > 0 ? t.platforms.join(', ') : '—'}</td>
                      <td className="col-optional">{formatBytes(t.size)}</td>
                      <td>{formatDate(t.pushedAt)}</td>
                      <td>
                        {t.analysis ? <span className={`status status-${t.analysis.status}`}>{t.analysis.status}</span> : <span className="muted">—</span>}
                      </td>
                      <td>
                        <FindingsCell tag={t} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {pages > 1 && (
            <nav className="pager" aria-label="Tag pages">
              <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)}>
                Previous
              </button>
              <span>
                Page {current + 1} of {pages}
              </span>
              <button type="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
                Next
              </button>
            </nav>
          )}
        </>
      )}
    </div>
  );
}

function HowToPush({ repository }: { repository: string }): ReactNode {
  const host = window.location.host;
  return (
    <details className="how-to-push">
      <summary>How to push an image</summary>
      <pre>
        <code>
          {`docker login ${host}\ndocker tag IMAGE ${host}/${repository}:TAG\ndocker push ${host}/${repository}:TAG`}
        </code>
      </pre>
      <p className="muted small">
        Podman, skopeo, crane and oras work the same way. Use a personal access token as the password for scripts.
      </p>
    </details>
  );
}
