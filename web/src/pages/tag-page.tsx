/**
 * One tag: Overview (digest, OS, platform switcher for indexes, size, layers with the Dockerfile step
 * that made each), Vulnerabilities, Packages, History (re-evaluation timeline) and Fix (advice) tabs. The overview reads the manifest and image config
 * from /v2; the other tabs read /api/v1 for the chosen platform.
 */
import { useState, type ReactNode } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { configOf, manifestOf, platformOf, type ImageConfig } from '../api/registry.js';
import { formatBytes, formatDate, shortDigest } from '../components/format.js';
import { ErrorState, Loading } from '../components/states.js';
import { TabLinks } from '../components/tabs.js';
import { useAsync } from '../components/use-async.js';
import { useTitle } from '../components/use-title.js';
import { displayInstruction, layersOf, type LayerRow } from '../lib/layers.js';
import { FixTab } from './fix-tab.js';
import { HistoryTab } from './history-tab.js';
import { NotFoundPage } from './not-found-page.js';
import { PackagesTab } from './packages-tab.js';
import { VulnerabilitiesTab } from './vulnerabilities-tab.js';

interface ImageOverview {
  readonly digest: string;
  /** Set for a multi-platform index: its platforms, in index order. */
  readonly platforms: readonly { readonly platform: string; readonly digest: string }[];
  readonly platform: string | undefined;
  readonly imageDigest: string;
  readonly config: ImageConfig | undefined;
  readonly layers: readonly LayerRow[];
  readonly size: number;
}

async function loadOverview(repository: string, tag: string, wanted: string | null, signal: AbortSignal): Promise<ImageOverview> {
  const top = await manifestOf(repository, tag, signal);
  let platforms: ImageOverview['platforms'] = [];
  let image = top;
  let platform: string | undefined;
  if (top.manifest.manifests) {
    platforms = top.manifest.manifests
      .filter((m) => m.platform !== undefined && platformOf(m) !== 'unknown/unknown')
      .map((m) => ({ platform: platformOf(m), digest: m.digest }));
    const chosen = platforms.find((p) => p.platform === wanted) ?? platforms.find((p) => p.platform === 'linux/amd64') ?? platforms[0];
    if (!chosen) throw new Error('the index lists no platform images');
    platform = chosen.platform;
    image = await manifestOf(repository, chosen.digest, signal);
  }
  const cfgDesc = image.manifest.config;
  const config = cfgDesc ? await configOf(repository, cfgDesc.digest, signal).catch(() => undefined) : undefined;
  platform ??= config ? [config.os, config.architecture, config.variant].filter(Boolean).join('/') : undefined;
  const layers = layersOf(image.manifest.layers ?? [], config);
  const size = layers.reduce((n, l) => n + l.size, cfgDesc?.size ?? 0);
  return { digest: top.digest, platforms, platform, imageDigest: image.digest, config, layers, size };
}

export function TagPage(): ReactNode {
  const { ns = '', name = '', tag = '', tab = 'overview' } = useParams();
  const repository = `${ns}/${name}`;
  const [params, setParams] = useSearchParams();
  const wanted = params.get('platform');
  useTitle(`${repository}:${tag}`);
  const { state, reload } = useAsync((signal) => loadOverview(repository, tag, wanted, signal), [repository, tag, wanted]);
  if (!['overview', 'vulnerabilities', 'packages', 'history', 'fix'].includes(tab)) return <NotFoundPage />;

  const base = `/repositories/${ns}/${name}/tags/${encodeURIComponent(tag)}`;
  const query = wanted ? `?platform=${encodeURIComponent(wanted)}` : '';
  const platform = wanted ?? (state.status === 'ready' && state.data.platforms.length > 0 ? state.data.platform : undefined);
  return (
    <section className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/repositories">Repositories</Link> <span aria-hidden="true">/</span>{' '}
        <Link to={`/repositories/${repository}/tags`}>{repository}</Link>
      </nav>
      <h1>
        {repository}:<span className="tag-name">{tag}</span>
      </h1>
      {state.status === 'ready' && state.data.platforms.length > 0 && (
        <label className="platform-switch">
          Platform{' '}
          <select
            value={state.data.platform}
            onChange={(e) => {
              const next = new URLSearchParams(params);
              next.set('platform', e.target.value);
              setParams(next);
            }}
          >
            {state.data.platforms.map((p) => (
              <option key={p.digest} value={p.platform}>
                {p.platform}
              </option>
            ))}
          </select>
        </label>
      )}
      <TabLinks
        label="Tag"
        tabs={[
          { to: `${base}${query}`, label: 'Overview' },
          { to: `${base}/vulnerabilities${query}`, label: 'Vulnerabilities' },
          { to: `${base}/packages${query}`, label: 'Packages' },
          { to: `${base}/history${query}`, label: 'History' },
          { to: `${base}/fix${query}`, label: 'Fix' },
        ]}
      />
      {tab === 'overview' && state.status === 'loading' && <Loading label="Loading image…" />}
      {tab === 'overview' && state.status === 'error' && <ErrorState error={state.error} onRetry={reload} />}
      {tab === 'overview' && state.status === 'ready' && <Overview data={state.data} />}
      {/* The API tabs wait for the overview only to learn the default platform; they work without it. */}
      {tab !== 'overview' && state.status === 'loading' && <Loading />}
      {tab === 'vulnerabilities' && state.status !== 'loading' && <VulnerabilitiesTab repository={repository} tag={tag} platform={platform} />}
      {tab === 'packages' && state.status !== 'loading' && <PackagesTab repository={repository} tag={tag} platform={platform} />}
      {tab === 'history' && state.status !== 'loading' && <HistoryTab repository={repository} tag={tag} platform={platform} />}
      {tab === 'fix' && state.status !== 'loading' && <FixTab repository={repository} tag={tag} platform={platform} />}
    </section>
  );
}

function Overview({ data }: { data: ImageOverview }): ReactNode {
  const [showAll, setShowAll] = useState(false);
  const cfg = data.config;
  const layers = showAll ? data.layers : data.layers.slice(0, 50);
  return (
    <div className="tab-panel">
      <dl className="facts">
        <dt>Digest</dt>
        <dd>
          <code className="digest" data-digest={data.digest}>{data.digest}</code>
        </dd>
        {data.imageDigest !== data.digest && (
          <>
            <dt>Platform image</dt>
            <dd>
              <code>{data.imageDigest}</code>
            </dd>
          </>
        )}
        <dt>OS / platform</dt>
        <dd>{data.platform ?? '—'}</dd>
        <dt>Size (compressed)</dt>
        <dd>{formatBytes(data.size)}</dd>
        <dt>Created</dt>
        <dd>{formatDate(cfg?.created)}</dd>
      </dl>
      <h2>Layers</h2>
      {data.layers.length === 0 ? (
        <p className="muted">This image has no layers.</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table layers-table">
            <caption className="visually-hidden">Layers</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Instruction</th>
                <th scope="col">Size</th>
                <th scope="col">Digest</th>
              </tr>
            </thead>
            <tbody>
              {layers.map((l) => (
                <tr key={`${l.index}-${l.digest}`}>
                  <td>{l.index + 1}</td>
                  <td className="created-by">
                    <code>{displayInstruction(l.createdBy)}</code>
                  </td>
                  <td>{formatBytes(l.size)}</td>
                  <td>
                    <code title={l.digest}>{shortDigest(l.digest)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data.layers.length > 50 && !showAll && (
        <button type="button" onClick={() => setShowAll(true)}>
          Show all {data.layers.length} layers
        </button>
      )}
    </div>
  );
}
