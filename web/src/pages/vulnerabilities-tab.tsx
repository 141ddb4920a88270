/**
 * The Vulnerabilities tab: packages sorted by their worst finding, each row expandable to its
 * vulnerabilities (severity, CVSS, fix status, fixed version, the layer that introduced the package),
 * with filters by severity, fixable only and package type.
 */
import { useMemo, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { apiJson, repoPath } from '../api/client.js';
import { SEVERITIES, type Severity, type VulnerabilityReport, type VulnerablePackage } from '../api/types.js';
import { formatDate } from '../components/format.js';
import { SeverityBadge, SummaryBadges } from '../components/severity.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { useAsync } from '../components/use-async.js';
import { filterPackages, isFixable } from '../lib/findings.js';

export function VulnerabilitiesTab(props: { repository: string; tag: string; platform: string | undefined }): ReactNode {
  const { repository, tag, platform } = props;
  const { state, reload } = useAsync(
    (signal) =>
      apiJson<VulnerabilityReport>(
        repoPath(repository, 'tags', tag, 'vulnerabilities') + (platform ? `?platform=${encodeURIComponent(platform)}` : ''),
        { signal },
      ),
    [repository, tag, platform],
  );
  const [severities, setSeverities] = useState<ReadonlySet<Severity>>(new Set(SEVERITIES));
  const [fixableOnly, setFixableOnly] = useState(false);
  const [type, setType] = useState('');
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());

  const packages = useMemo(() => {
    if (state.status !== 'ready') return [];
    return filterPackages(state.data.packages, { severities, fixableOnly, type });
  }, [state, severities, fixableOnly, type]);

  if (state.status === 'loading') return <Loading label="Loading vulnerabilities…" />;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={reload} />;
  const report = state.data;
  const types = [...new Set(report.packages.map((p) => p.type))].sort();
  const keyOf = (p: VulnerablePackage): string => p.purl ?? `${p.type}:${p.name}@${p.version}`;

  return (
    <div className="tab-panel">
      <div className="report-head">
        <SummaryBadges summary={report.summary} />
        <span className="muted small">
          {report.image.os?.id && `${report.image.os.id} ${report.image.os.version ?? ''} · `}
          evaluated {formatDate(report.evaluatedAt)}
          {report.db?.version && ` · vulnerability data ${report.db.version}`}
        </span>
      </div>
      {report.packages.length === 0 ? (
        <Empty title="No known vulnerabilities">
          <p>No package in this image matches a known vulnerability.</p>
        </Empty>
      ) : (
        <>
          <fieldset className="filters">
            <legend className="visually-hidden">Filters</legend>
            {SEVERITIES.map((s) => (
              <label key={s} className="check severity-check">
                <input
                  type="checkbox"
                  checked={severities.has(s)}
                  onChange={(e) => {
                    const next = new Set(severities);
                    if (e.target.checked) next.add(s);
                    else next.delete(s);
                    setSeverities(next);
                  }}
                />
                {s}
              </label>
            ))}
            <label className="check">
              <input type="checkbox" checked={fixableOnly} onChange={(e) => setFixableOnly(e.target.checked)} />
              Fixable only
            </label>
            <label>
              Package type{' '}
              <select value={type} onChange={(e) => setType(e.target.value)}>
                <option value="">All</option>
                {types.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </label>
          </fieldset>
          {packages.length === 0 ? (
            <Empty title="No vulnerabilities match these filters" />
          ) : (
            <ul className="package-list" aria-label="Vulnerable packages">
              {packages.map((p) => {
                const key = keyOf(p);
                const expanded = open.has(key);
                const panelId = `pkg-${encodeURIComponent(key)}`;
                const loc = p.locations?.[0];
                return (
                  <li key={key} className="package-row">
                    <button
                      type="button"
                      className="package-toggle"
                      aria-expanded={expanded}
                      aria-controls={panelId}
                      onClick={() => {
                        const next = new Set(open);
                        if (expanded) next.delete(key);
                        else next.add(key);
                        setOpen(next);
                      }}
                    >
                      <span aria-hidden="true">{expanded ? '▾' : '▸'}</span>
                      <strong>{p.name}</strong> <span className="muted">{p.version}</span> <span className="pill">{p.type}</span>
                      <span className="package-count">
                        <SeverityBadge severity={p.vulnerabilities[0]?.severity ?? 'unknown'} /> {p.vulnerabilities.length}{' '}
                        {p.vulnerabilities.length === 1 ? 'vulnerability' : 'vulnerabilities'}
                      </span>
                    </button>
                    {expanded && (
                      <div id={panelId} className="package-detail">
                        {loc && (
                          <p className="muted small">
                            {loc.path}
                            {loc.layerIndex !== undefined && ` · introduced in layer ${loc.layerIndex + 1}`}
                            {loc.createdBy && (
                              <>
                                : <code>{loc.createdBy}</code>
                              </>
                            )}
                          </p>
                        )}
                        <div className="table-wrap">
                          <table className="data-table">
                            <caption className="visually-hidden">Vulnerabilities of {p.name}</caption>
                            <thead>
                              <tr>
                                <th scope="col">ID</th>
                                <th scope="col">Severity</th>
                                <th scope="col">CVSS</th>
                                <th scope="col">Status</th>
                                <th scope="col">Fixed in</th>
                              </tr>
                            </thead>
                            <tbody>
                              {p.vulnerabilities.map((v) => (
                                <tr key={v.id}>
                                  <th scope="row">
                                    <Link to={`/vulnerabilities/${encodeURIComponent(v.id)}`}>{v.id}</Link>
                                    {v.aliases && v.aliases.length > 0 && <div className="muted small">{v.aliases.join(', ')}</div>}
                                  </th>
                                  <td>
                                    <SeverityBadge severity={v.severity} />
                                  </td>
                                  <td title={v.cvss?.vector ?? undefined}>{v.cvss?.score ?? '—'}</td>
                                  <td>{isFixable(v) ? 'Fix available' : 'No fix yet'}</td>
                                  <td>{v.fixedVersions?.join(', ') || '—'}</td>
                                </tr>
                              ))}
                            </tbody>
                          </table>
                        </div>
                      </div>
                    )}
                  </li>
                );
              })}
            </ul>
          )}
        </>
      )}
    </div>
  );
}
