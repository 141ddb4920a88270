/**
 * The Packages tab: the image's SBOM (`…/sbom?format=json`), searchable, with CycloneDX and SPDX downloads.
 */
import { useMemo, useState, type ReactNode } from 'react';
import { apiJson, repoPath } from '../api/client.js';
import type { SbomPackage } from '../api/types.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { useAsync } from '../components/use-async.js';

const SHOWN = 500;

export function PackagesTab(props: { repository: string; tag: string; platform: string | undefined }): ReactNode {
  const { repository, tag, platform } = props;
  const sbomUrl = (format: string): string =>
    `${repoPath(repository, 'tags', tag, 'sbom')}?format=${format}${platform ? `&platform=${encodeURIComponent(platform)}` : ''}`;
  const { state, reload } = useAsync(
    async (signal) => {
      const body = await apiJson<SbomPackage[] | { packages?: SbomPackage[] }>(sbomUrl('json'), { signal });
      return Array.isArray(body) ? body : (body.packages ?? []);
    },
    [repository, tag, platform],
  );
  const [query, setQuery] = useState('');
  const shown = useMemo(() => {
    if (state.status !== 'ready') return [];
    const q = query.trim().toLowerCase();
    return state.data
      .filter((p) => q === '' || p.name.toLowerCase().includes(q) || (p.purl ?? '').toLowerCase().includes(q) || p.type.includes(q))
      .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
  }, [state, query]);

  const base = `${tag}`.replace(/[^A-Za-z0-9._-]/g, '_');
  return (
    <div className="tab-panel">
      <div className="toolbar">
        <label className="search">
          <span className="visually-hidden">Search packages</span>
          <input type="search" placeholder="Search packages" value={query} onChange={(e) => setQuery(e.target.value)} />
        </label>
        <a className="button" href={sbomUrl('cyclonedx')} download={`${base}.cdx.json`}>
          Download CycloneDX
        </a>
        <a className="button" href={sbomUrl('spdx')} download={`${base}.spdx.json`}>
          Download SPDX
        </a>
      </div>
      {state.status === 'loading' && <Loading label="Loading packages…" />}
      {state.status === 'error' && <ErrorState error={state.error} onRetry={reload} />}
      {state.status === 'ready' && state.data.length === 0 && <Empty title="No packages found in this image" />}
      {state.status === 'ready' && state.data.length > 0 && (
        <>
          <p className="muted small" aria-live="polite">
            {shown.length} of {state.data.length} packages
          </p>
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Packages</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Version</th>
                  <th scope="col">Type</th>
                  <th scope="col">Licenses</th>
                  <th scope="col">Location</th>
                </tr>
              </thead>
              <tbody>
                {shown.slice(0, SHOWN).map((p, i) => (
                  <tr key={`${p.purl ?? p.name}-${i}`}>
                    <th scope="row" title={p.purl}>
                      {p.name}
                    </th>
                    <td>{p.version}</td>
                    <td>{p.type}</td>
                    <td>{p.licenses?.join(', ') || '—'}</td>
                    <td className="small">{p.locations?.[0]?.path ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {shown.length > SHOWN && <p className="muted small">Showing the first {SHOWN}; refine the search to see others.</p>}
        </>
      )}
    </div>
  );
}
