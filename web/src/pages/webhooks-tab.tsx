/**
 * The Webhooks tab of a repository (admins): the webhooks with their events, scope and minimum
 * severity, each with its recent deliveries; a form to add one (the secret is shown once, right after
 * creation), and delete. Readers get the API's 403 as a notice.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, apiJson, repoPath } from '../api/client.js';
import { SEVERITIES, type Severity, type Webhook, type WebhookDelivery, type WebhookEvent } from '../api/types.js';
import { formatDate } from '../components/format.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { useAsync } from '../components/use-async.js';

const EVENTS: readonly { value: WebhookEvent; label: string }[] = [
  { value: 'push', label: 'Push' },
  { value: 'analysis.done', label: 'Analysis finished' },
  { value: 'vulnerabilities.changed', label: 'Vulnerabilities changed' },
];

function Deliveries({ repository, hook }: { repository: string; hook: Webhook }): ReactNode {
  const { state, reload } = useAsync(
    (signal) => apiJson<WebhookDelivery[]>(repoPath(repository, 'webhooks', hook.id, 'deliveries') + '?limit=10', { signal }),
    [repository, hook.id],
  );
  if (state.status === 'loading') return <Loading label="Loading deliveries…" />;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={reload} />;
  if (state.data.length === 0) return <p className="muted small">No deliveries yet.</p>;
  return (
    <table className="data-table">
      <caption className="visually-hidden">Recent deliveries to {hook.url}</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Event</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Response</th>
        </tr>
      </thead>
      <tbody>
        {state.data.map((d) => (
          <tr key={d.id}>
            <td>{formatDate(d.createdAt)}</td>
            <td>{d.event}</td>
            <td>{d.status}</td>
            <td>{d.attempts}</td>
            <td>{d.responseStatus ?? d.error ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function WebhooksTab({ repository }: { repository: string }): ReactNode {
  const { state, reload } = useAsync((signal) => apiJson<Webhook[]>(repoPath(repository, 'webhooks'), { signal }), [repository]);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<ReadonlySet<WebhookEvent>>(new Set(['vulnerabilities.changed']));
  const [scope, setScope] = useState<'all' | 'latest'>('all');
  const [minSeverity, setMinSeverity] = useState<Severity>('unknown');
  const [created, setCreated] = useState<Webhook | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(undefined);
  const scopeId = useId();
  const severityId = useId();

  if (state.status === 'loading') return <Loading label="Loading webhooks…" />;
  if (state.status === 'error') {
    if (state.error instanceof ApiError && state.error.status === 403) {
      return (
        <p className="notice" role="note">
          Only the namespace owner and repository or organization admins can see and change webhooks.
        </p>
      );
    }
    return <ErrorState error={state.error} onRetry={reload} />;
  }

  const onCreate = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setFailure(undefined);
    try {
      const hook = await apiJson<Webhook>(repoPath(repository, 'webhooks'), { method: 'POST', body: { url, events: [...events], scope, minSeverity } });
      setCreated(hook);
      setUrl('');
      reload();
    } catch (error) {
      setFailure(error);
    }
  };
  const onDelete = async (hook: Webhook): Promise<void> => {
    try {
      await apiJson(repoPath(repository, 'webhooks', hook.id), { method: 'DELETE' });
      reload();
    } catch (error) {
      setFailure(error);
    }
  };

  return (
    <div className="tab-panel">
      {state.data.length === 0 ? (
        <Empty title="No webhooks">Add one to be told about pushes, finished analyses and new vulnerabilities.</Empty>
      ) : (
        <ul className="webhook-list" aria-label="Webhooks">
          {state.data.map((hook) => (
            <li key={hook.id} className="webhook">
              <p>
                <code>{hook.url}</code> — {hook.events.join(', ')} · {hook.scope === 'latest' ? 'latest tag only' : 'every tag'} · minimum severity{' '}
                {hook.minSeverity}
                {!hook.active && ' · paused'}{' '}
                <button type="button" onClick={() => void onDelete(hook)} aria-label={`Delete webhook ${hook.url}`}>
                  Delete
                </button>
              </p>
              <Deliveries repository={repository} hook={hook} />
            </li>
          ))}
        </ul>
      )}
      {created?.secret && (
        <div className="notice" role="status">
          Webhook added. Its signing secret is shown only now: <code data-testid="webhook-secret">{created.secret}</code>
        </div>
      )}
      <form className="settings-form" onSubmit={(e) => void onCreate(e)}>
        <fieldset>
          <legend>Add a webhook</legend>
          <label>
            Payload URL <input type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/hooks/crowsnest" />
          </label>
          <fieldset>
            <legend>Events</legend>
            {EVENTS.map((ev) => (
              <label key={ev.value}>
                <input
                  type="checkbox"
                  checked={events.has(ev.value)}
                  onChange={(e) => {
                    const next = new Set(events);
                    if (e.target.checked) next.add(ev.value);
                    else next.delete(ev.value);
                    setEvents(next);
                  }}
                />{' '}
                {ev.label}
              </label>
            ))}
          </fieldset>
          <p>
            <label htmlFor={scopeId}>Tags</label>{' '}
            <select id={scopeId} value={scope} onChange={(e) => setScope(e.target.value === 'latest' ? 'latest' : 'all')}>
              <option value="all">Every tag</option>
              <option value="latest">Only the most recently pushed tag</option>
            </select>
          </p>
          <p>
            <label htmlFor={severityId}>Minimum severity</label>{' '}
            <select id={severityId} value={minSeverity} onChange={(e) => setMinSeverity(e.target.value as Severity)}>
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {s === 'unknown' ? 'any' : s}
                </option>
              ))}
            </select>
          </p>
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={events.size === 0 || url === ''}>
            Add webhook
          </button>
        </div>
        {failure !== undefined && <ErrorState error={failure} />}
      </form>
    </div>
  );
}
