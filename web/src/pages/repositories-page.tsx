/**
 * Repositories the user can see, searchable. Reads `GET /api/v1/repositories` and falls back to the
 * registry catalog (/v2/_catalog) while that endpoint does not exist (it answers 404).
 */
import { useMemo, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { ApiError, apiJson } from '../api/client.js';
import { catalog } from '../api/registry.js';
import type { RepositorySummary } from '../api/types.js';
import { SummaryBadges } from '../components/severity.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { useAsync } from '../components/use-async.js';
import { useTitle } from '../components/use-title.js';

async function loadRepositories(signal: AbortSignal): Promise<RepositorySummary[]> {
  try {
    const body = await apiJson<RepositorySummary[] | { repositories: RepositorySummary[] }>('/api/v1/repositories', { signal });
    return Array.isArray(body) ? body : body.repositories;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  return (await catalog(signal)).map((name) => ({ name }));
}

export function RepositoriesPage(): ReactNode {
  useTitle('Repositories');
  const { state, reload } = useAsync(loadRepositories, []);
  const [query, setQuery] = useState('');
  const shown = useMemo(() => {
    if (state.status !== 'ready') return [];
    const q = query.trim().toLowerCase();
    return state.data.filter((r) => r.name.toLowerCase().includes(q)).sort((a, b) => a.name.localeCompare(b.name));
  }, [state, query]);

  return (
    <section className="page">
      <div className="page-head">
        <h1>Repositories</h1>
        <label className="search">
          <span className="visually-hidden">Search repositories</span>
          <input type="search" placeholder="Search repositories" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
      </div>
      {state.status === 'loading' && <Loading label="Loading repositories…" />}
      {state.status === 'error' && <ErrorState error={state.error} onRetry={reload} />}
      {state.status === 'ready' && state.data.length === 0 && (
        <Empty title="No repositories yet">
          <p>Push an image to create one, e.g. <code>docker push {window.location.host}/NAMESPACE/NAME:TAG</code>.</p>
        </Empty>
      )}
      {state.status === 'ready' && state.data.length > 0 && shown.length === 0 && <Empty title={`No repository matches “${query}”`} />}
      {shown.length > 0 && (
        <ul className="repo-list" aria-label="Repositories">
          {shown.map((r) => (
            <li key={r.name} className="repo-card">
              <Link to={`/repositories/${r.name}/tags`} className="repo-name">
                {r.name}
              </Link>
              {r.visibility && <span className={`pill pill-${r.visibility}`}>{r.visibility}</span>}
              {r.summary && <SummaryBadges summary={r.summary} />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
