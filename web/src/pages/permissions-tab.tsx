/**
 * The Permissions tab of a repository: its visibility and the users and teams with their role. Admins
 * switch visibility, add a user or team with read/write/admin, change and remove; everyone else sees
 * their own access read-only and the API's 403 on the list as a notice.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, apiJson, repoPath } from '../api/client.js';
import type { PermissionLevel, RepositoryPermission } from '../api/types.js';
import { ErrorState, Empty, Loading } from '../components/states.js';
import { useAsync } from '../components/use-async.js';

const LEVELS: readonly PermissionLevel[] = ['read', 'write', 'admin'];

/** What `GET /api/v1/repositories/{ns}/{name}` answers (the fields this tab uses). */
interface RepositoryAccess {
  readonly visibility: 'public' | 'private';
  readonly permissions: { readonly pull: boolean; readonly push: boolean; readonly delete: boolean; readonly admin: boolean };
}

function subjectPath(p: { kind: 'user' | 'team'; subject: string }): string[] {
  if (p.kind === 'user') return ['permissions', 'users', p.subject];
  const slash = p.subject.indexOf('/');
  return ['permissions', 'teams', p.subject.slice(0, slash), p.subject.slice(slash + 1)];
}

function Visibility({ repository, info, onChanged }: { repository: string; info: RepositoryAccess; onChanged: (info: RepositoryAccess) => void }): ReactNode {
  const [failure, setFailure] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const next = info.visibility === 'public' ? 'private' : 'public';
  const toggle = async (): Promise<void> => {
    setFailure(undefined);
    setBusy(true);
    try {
      onChanged(await apiJson<RepositoryAccess>(repoPath(repository), { method: 'PATCH', body: { visibility: next } }));
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="visibility">
      <p>
        Visibility: <strong data-testid="visibility">{info.visibility}</strong>{' '}
        <span className="muted small">{info.visibility === 'public' ? '— anyone may pull, without signing in.' : '— only people and teams given access.'}</span>
      </p>
      {info.permissions.admin && (
        <button type="button" disabled={busy} onClick={() => void toggle()}>
          Make {next}
        </button>
      )}
      {failure !== undefined && <ErrorState error={failure} />}
    </div>
  );
}

function PermissionRow({ repository, perm, onChanged }: { repository: string; perm: RepositoryPermission; onChanged: () => void }): ReactNode {
  const [failure, setFailure] = useState<unknown>(undefined);
  const [saved, setSaved] = useState(false);
  const act = async (fn: () => Promise<unknown>): Promise<void> => {
    setFailure(undefined);
    setSaved(false);
    try {
      await fn();
      setSaved(true);
      onChanged();
    } catch (error) {
      setFailure(error);
    }
  };
  const label = `${perm.kind} ${perm.subject}`;
  return (
    <tr>
      <th scope="row">{perm.subject}</th>
      <td className="col-optional">{perm.kind}</td>
      <td>
        <select
          aria-label={`Role of ${label}`}
          value={perm.level}
          onChange={(e) => void act(() => apiJson(repoPath(repository, ...subjectPath(perm)), { method: 'PUT', body: { level: e.target.value } }))}
        >
          {LEVELS.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>{' '}
        {/* A role changes as soon as it is picked; the status line tells screen-reader users it was saved. */}
        <span role="status" className="muted small">
          {saved ? 'Saved.' : ''}
        </span>
        {failure !== undefined && <ErrorState error={failure} />}
      </td>
      <td>
        <button type="button" aria-label={`Remove ${label}`} onClick={() => void act(() => apiJson(repoPath(repository, ...subjectPath(perm)), { method: 'DELETE' }))}>
          Remove
        </button>
      </td>
    </tr>
  );
}

function AddPermission({ repository, onChanged }: { repository: string; onChanged: () => void }): ReactNode {
  const [kind, setKind] = useState<'user' | 'team'>('user');
  const [subject, setSubject] = useState('');
  const [level, setLevel] = useState<PermissionLevel>('read');
  const [failure, setFailure] = useState<unknown>(undefined);
  const kindId = useId();
  const subjectId = useId();
  const levelId = useId();
  const valid = kind === 'user' ? /^[^/\s]+$/.test(subject.trim()) : /^[^/\s]+\/[^/\s]+$/.test(subject.trim());
  const onAdd = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setFailure(undefined);
    try {
      await apiJson(repoPath(repository, ...subjectPath({ kind, subject: subject.trim() })), { method: 'PUT', body: { level } });
      setSubject('');
      onChanged();
    } catch (error) {
      setFailure(error);
    }
  };
  return (
    <form className="settings-form" onSubmit={(e) => void onAdd(e)}>
      <fieldset>
        <legend>Give access</legend>
        <p>
          <label htmlFor={kindId}>To a</label>{' '}
          <select id={kindId} value={kind} onChange={(e) => setKind(e.target.value === 'team' ? 'team' : 'user')}>
            <option value="user">user</option>
            <option value="team">team</option>
          </select>
        </p>
        <p>
          <label htmlFor={subjectId}>{kind === 'user' ? 'Username' : 'Team (organization/team)'}</label>{' '}
          <input id={subjectId} required value={subject} onChange={(e) => setSubject(e.target.value)} placeholder={kind === 'user' ? 'alice' : 'acme/developers'} />
        </p>
        <p>
          <label htmlFor={levelId}>Role</label>{' '}
          <select id={levelId} value={level} onChange={(e) => setLevel(e.target.value as PermissionLevel)}>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </p>
        <p className="muted small">read: pull · write: also push · admin: also delete, settings, webhooks and permissions.</p>
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={!valid}>
          Give access
        </button>
      </div>
      {failure !== undefined && <ErrorState error={failure} />}
    </form>
  );
}

function PermissionList({ repository }: { repository: string }): ReactNode {
  const { state, reload } = useAsync((signal) => apiJson<RepositoryPermission[]>(repoPath(repository, 'permissions'), { signal }), [repository]);
  if (state.status === 'loading') return <Loading label="Loading permissions…" />;
  if (state.status === 'error') {
    if (state.error instanceof ApiError && state.error.status === 403) {
      return (
        <p className="notice" role="note">
          Only the namespace owner and repository or organization admins can see and change who has access.
        </p>
      );
    }
    return <ErrorState error={state.error} onRetry={reload} />;
  }
  return (
    <>
      {state.data.length === 0 ? (
        <Empty title="No one has been given access">Only the namespace owner and site admins can use this repository until you add people or teams.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Users and teams with access to {repository}</caption>
            <thead>
              <tr>
                <th scope="col">Who</th>
                {/* Hidden on phones: a team is recognisable by its "org/" prefix. */}
                <th scope="col" className="col-optional">
                  Kind
                </th>
                <th scope="col">Role</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {state.data.map((p) => (
                <PermissionRow key={`${p.kind} ${p.subject}`} repository={repository} perm={p} onChanged={reload} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <AddPermission repository={repository} onChanged={reload} />
    </>
  );
}

export function PermissionsTab({ repository }: { repository: string }): ReactNode {
  const { state, reload, set } = useAsync((signal) => apiJson<RepositoryAccess>(repoPath(repository), { signal }), [repository]);
  if (state.status === 'loading') return <Loading label="Loading access…" />;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={reload} />;
  const mine = (['pull', 'push', 'delete', 'admin'] as const).filter((a) => state.data.permissions[a]);
  return (
    <div className="tab-panel">
      <Visibility repository={repository} info={state.data} onChanged={set} />
      <p>
        Your access: <strong data-testid="my-access">{mine.join(', ') || 'none'}</strong>
      </p>
      <PermissionList repository={repository} />
    </div>
  );
}
