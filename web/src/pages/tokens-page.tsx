/**
 * Personal access tokens (/settings/tokens): the signed-in user's tokens with scope, expiry and last
 * use; a form to create one (its secret is shown once, with a `docker login` line), and revoke with a
 * confirmation step.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { apiJson, apiPath } from '../api/client.js';
import type { AccessToken, CreatedToken, TokenScope } from '../api/types.js';
import { formatDate } from '../components/format.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { useAsync } from '../components/use-async.js';
import { useTitle } from '../components/use-title.js';
import { useSession } from '../session.js';

const SCOPES: readonly { value: TokenScope; label: string }[] = [
  { value: 'read', label: 'Read (pull images, read the API)' },
  { value: 'read-write', label: 'Read and write (also push)' },
  { value: 'admin', label: 'Admin (also settings, permissions and tokens)' },
];

function statusOf(t: AccessToken, now: number): string {
  if (t.revokedAt) return `revoked ${formatDate(t.revokedAt)}`;
  if (t.expiresAt && Date.parse(t.expiresAt) <= now) return `expired ${formatDate(t.expiresAt)}`;
  return t.expiresAt ? `expires ${formatDate(t.expiresAt)}` : 'never expires';
}

function NewTokenNotice({ token, username }: { token: CreatedToken; username: string }): ReactNode {
  const [copied, setCopied] = useState(false);
  const copy = async (): Promise<void> => {
    await navigator.clipboard.writeText(token.token).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <div className="notice" role="status">
      <p>
        Token <strong>{token.name}</strong> created. Copy it now: it is shown only once.
      </p>
      <p>
        <code data-testid="new-token">{token.token}</code>{' '}
        <button type="button" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </p>
      <p className="muted small">
        Use it as a password: <code>docker login {window.location.host} -u {username}</code>
      </p>
    </div>
  );
}

export function TokensPage(): ReactNode {
  useTitle('Access tokens');
  const { user } = useSession();
  const { state, reload } = useAsync((signal) => apiJson<AccessToken[]>(apiPath('user', 'tokens'), { signal }), []);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<TokenScope>('read');
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<CreatedToken | undefined>(undefined);
  const [confirming, setConfirming] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(undefined);
  const nameId = useId();
  const scopeId = useId();
  const expiresId = useId();

  const onCreate = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setFailure(undefined);
    try {
      const body = { name, scope, ...(expires ? { expiresAt: new Date(`${expires}T23:59:59Z`).toISOString() } : {}) };
      setCreated(await apiJson<CreatedToken>(apiPath('user', 'tokens'), { method: 'POST', body }));
      setName('');
      setExpires('');
      reload();
    } catch (error) {
      setFailure(error);
    }
  };
  const onRevoke = async (token: AccessToken): Promise<void> => {
    setFailure(undefined);
    try {
      await apiJson(apiPath('user', 'tokens', token.id), { method: 'DELETE' });
      setConfirming(undefined);
      reload();
    } catch (error) {
      setFailure(error);
    }
  };

  const now = Date.now();
  return (
    <section className="page">
      <h1>Personal access tokens</h1>
      <p className="muted">Tokens let the docker CLI, CI pipelines and scripts sign in as you, with no more rights than their scope.</p>
      {created && user && <NewTokenNotice token={created} username={user.username} />}
      {state.status === 'loading' && <Loading label="Loading tokens…" />}
      {state.status === 'error' && <ErrorState error={state.error} onRetry={reload} />}
      {state.status === 'ready' && state.data.length === 0 && <Empty title="No tokens yet">Create one below.</Empty>}
      {state.status === 'ready' && state.data.length > 0 && (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Your access tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scope</th>
                <th scope="col">Created</th>
                <th scope="col">Status</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {state.data.map((t) => (
                <tr key={t.id}>
                  <th scope="row">{t.name}</th>
                  <td>{t.scope}</td>
                  <td>{formatDate(t.createdAt)}</td>
                  <td>{statusOf(t, now)}</td>
                  <td>{t.lastUsedAt ? formatDate(t.lastUsedAt) : 'never'}</td>
                  <td>
                    {!t.revokedAt &&
                      (confirming === t.id ? (
                        <>
                          <button type="button" className="danger" onClick={() => void onRevoke(t)}>
                            Confirm revoke {t.name}
                          </button>{' '}
                          <button type="button" onClick={() => setConfirming(undefined)}>
                            Cancel
                          </button>
                        </>
                      ) : (
                        <button type="button" onClick={() => setConfirming(t.id)} aria-label={`Revoke ${t.name}`}>
                          Revoke
                        </button>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="settings-form" onSubmit={(e) => void onCreate(e)}>
        <fieldset>
          <legend>New token</legend>
          <p>
            <label htmlFor={nameId}>Name</label> <input id={nameId} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="ci-pipeline" />
          </p>
          <p>
            <label htmlFor={scopeId}>Scope</label>{' '}
            <select id={scopeId} value={scope} onChange={(e) => setScope(e.target.value as TokenScope)}>
              {SCOPES.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          </p>
          <p>
            <label htmlFor={expiresId}>Expires on (optional)</label>{' '}
            <input id={expiresId} type="date" value={expires} min={new Date(now + 86_400_000).toISOString().slice(0, 10)} onChange={(e) => setExpires(e.target.value)} />
          </p>
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={name.trim() === ''}>
            Create token
          </button>
        </div>
        {failure !== undefined && <ErrorState error={failure} />}
      </form>
    </section>
  );
}
