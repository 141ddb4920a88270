/**
 * Personal access tokens of the signed-in user (/settings/tokens): the list with scope, dates and last
 * use; a form to create one, whose secret is shown only once with a copy button and a `docker login`
 * hint; and revocation after a confirmation.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { apiJson, apiPath } from '../api/client.js';
import type { AccessToken, TokenScope } from '../api/types.js';
import { formatDate } from '../components/format.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { useAsync } from '../components/use-async.js';
import { useTitle } from '../components/use-title.js';
import { useSession } from '../session.js';

const SCOPES: readonly { value: TokenScope; label: string }[] = [
  { value: 'read', label: 'read — pull and browse' },
  { value: 'read-write', label: 'read-write — also push and change' },
  { value: 'admin', label: 'admin — everything your account may do' },
];

/** A copy button that says whether it worked (the clipboard API needs a secure context or localhost). */
export function CopyButton({ text, label }: { text: string; label: string }): ReactNode {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = (): void => {
    navigator.clipboard.writeText(text).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  };
  return (
    <>
      <button type="button" onClick={copy} aria-label={label}>
        Copy
      </button>{' '}
      <span role="status" className="muted small">
        {copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'Copy failed — select the text instead.' : ''}
      </span>
    </>
  );
}

function TokenRow({ token, onRevoke }: { token: AccessToken; onRevoke: (t: AccessToken) => Promise<void> }): ReactNode {
  const [confirming, setConfirming] = useState(false);
  const expired = token.expiresAt !== null && Date.parse(token.expiresAt) < Date.now();
  return (
    <tr>
      <th scope="row">{token.name}</th>
      <td>{token.scope}</td>
      <td className="col-optional">{formatDate(token.createdAt)}</td>
      <td>{token.expiresAt === null ? 'never' : `${formatDate(token.expiresAt)}${expired ? ' (expired)' : ''}`}</td>
      <td data-testid="last-used">{token.lastUsedAt === null ? 'never' : formatDate(token.lastUsedAt)}</td>
      <td>
        {/* The confirmation takes the focus (on Cancel, the harmless choice) so keyboard users land in it. */}
        {confirming ? (
          <span className="confirm">
            Revoke “{token.name}”?{' '}
            <button type="button" className="danger" onClick={() => void onRevoke(token)}>
              Yes, revoke
            </button>{' '}
            <button type="button" autoFocus onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" onClick={() => setConfirming(true)} aria-label={`Revoke token ${token.name}`}>
            Revoke
          </button>
        )}
      </td>
    </tr>
  );
}

export function TokensPage(): ReactNode {
  useTitle('Access tokens');
  const { user } = useSession();
  const { state, reload } = useAsync((signal) => apiJson<AccessToken[]>(apiPath('user', 'tokens'), { signal }), []);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<TokenScope>('read');
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<AccessToken | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(undefined);
  const scopeId = useId();
  const nameId = useId();
  const expiresId = useId();

  const onCreate = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setFailure(undefined);
    try {
      // A date input gives a day; the token lasts until the end of it (UTC).
      const expiresAt = expires === '' ? undefined : new Date(`${expires}T23:59:59Z`).toISOString();
      const token = await apiJson<AccessToken>(apiPath('user', 'tokens'), { method: 'POST', body: { name, scope, ...(expiresAt ? { expiresAt } : {}) } });
      setCreated(token);
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
      if (created?.id === token.id) setCreated(undefined);
      reload();
    } catch (error) {
      setFailure(error);
    }
  };

  const active = state.status === 'ready' ? state.data.filter((t) => t.revokedAt === null) : [];
  return (
    <section className="page">
      <h1>Personal access tokens</h1>
      <p className="muted">Tokens sign in tools such as docker, podman and skopeo, and scripts calling the API, in place of your password.</p>
      {state.status === 'loading' && <Loading label="Loading tokens…" />}
      {state.status === 'error' && <ErrorState error={state.error} onRetry={reload} />}
      {state.status === 'ready' &&
        (active.length === 0 ? (
          <Empty title="No tokens">Create one below to use with docker login or the API.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Your personal access tokens</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scope</th>
                  <th scope="col" className="col-optional">
                    Created
                  </th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {active.map((t) => (
                  <TokenRow key={t.id} token={t} onRevoke={onRevoke} />
                ))}
              </tbody>
            </table>
          </div>
        ))}
      {created?.token !== undefined && (
        <div className="notice token-created" role="status">
          <p>
            Token “{created.name}” created. Copy it now — it is shown only once.
          </p>
          <p className="secret-line">
            <code data-testid="new-token">{created.token}</code> <CopyButton text={created.token} label="Copy the new token" />
          </p>
          <p className="small">
            Sign in with it:{' '}
            <code>
              docker login {window.location.host} -u {user?.username ?? '<username>'}
            </code>{' '}
            and paste the token as the password.
          </p>
          <button type="button" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </div>
      )}
      <form className="settings-form" onSubmit={(e) => void onCreate(e)}>
        <fieldset>
          <legend>Create a token</legend>
          <p>
            <label htmlFor={nameId}>Name</label>{' '}
            <input id={nameId} required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="ci-pipeline" />
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
            <label htmlFor={expiresId}>Expires (optional)</label>{' '}
            <input id={expiresId} type="date" value={expires} min={new Date().toISOString().slice(0, 10)} onChange={(e) => setExpires(e.target.value)} />
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
