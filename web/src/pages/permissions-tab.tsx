/**
 * The Permissions tab of a repository: who besides the namespace owners may read, write (push) or
 * administer it — users and organization teams — and its visibility. Admins change levels, add and
 * remove grants and switch public/private; everyone else gets the API's 403 as a notice.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, apiJson, repoPath } from '../api/client.js';
import type { PermissionLevel, RepositoryInfo, RepositoryPermission } from '../api/types.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { useAsync } from '../components/use-async.js';

const LEVELS: readonly { value: PermissionLevel; label: string }[] = [
  { value: 'read', label: 'Read (pull)' },
  { value: 'write', label: 'Write (pull and push)' },
  { value: 'admin', label: 'Admin (also settings and permissions)' },
];

interface Loaded {
  readonly permissions: RepositoryPermission[];
  readonly info: RepositoryInfo;
}

/** The grant's URL: …/permissions/users/{user} or …/permissions/teams/{org}/{team}. */
function grantPath(repository: string, p: Pick<RepositoryPermission, 'kind' | 'subject'>): string {
  return p.kind === 'user' ? repoPath(repository, 'permissions', 'users', p.subject) : repoPath(repository, 'permissions', 'teams', ...p.subject.split('/'));
}

export function PermissionsTab({ repository }: { repository: string }): ReactNode {
  const { state, reload } = useAsync(
    async (signal): Promise<Loaded> => ({
      permissions: await apiJson<RepositoryPermission[]>(repoPath(repository, 'permissions'), { signal }),
      info: await apiJson<RepositoryInfo>(repoPath(repository), { signal }),
    }),
    [repository],
  );
  const [kind, setKind] = useState<'user' | 'team'>('user');
  const [subject, setSubject] = useState('');
  const [level, setLevel] = useState<PermissionLevel>('read');
  const [failure, setFailure] = useState<unknown>(undefined);
  const kindId = useId();
  const subjectId = useId();
  const levelId = useId();

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

  const change = async (action: () => Promise<unknown>): Promise<void> => {
    setFailure(undefined);
    try {
      await action();
      reload();
    } catch (error) {
      setFailure(error);
    }
  };
  const onAdd = (e: FormEvent): void => {
    e.preventDefault();
    void change(async () => {
      await apiJson(grantPath(repository, { kind, subject: subject.trim() }), { method: 'PUT', body: { level } });
      setSubject('');
    });
  };
  const visibility = state.data.info.visibility ?? 'private';

  return (
    <div className="tab-panel">
      <section aria-labelledby={`${subjectId}-vis`}>
        <h2 id={`${subjectId}-vis`}>Visibility</h2>
        <p>
          This repository is <strong>{visibility}</strong>
          {visibility === 'public' ? ': anyone, signed in or not, can pull it and see its reports.' : ': only the people and teams below (and the namespace owners) can see it.'}{' '}
          <button
            type="button"
            onClick={() => void change(() => apiJson(repoPath(repository), { method: 'PATCH', body: { visibility: visibility === 'public' ? 'private' : 'public' } }))}
          >
            Make {visibility === 'public' ? 'private' : 'public'}
          </button>
        </p>
      </section>
      <h2>Access</h2>
      {state.data.permissions.length === 0 ? (
        <Empty title="No grants">Only the namespace owners have access.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Who has access to {repository}</caption>
            <thead>
              <tr>
                <th scope="col">User or team</th>
                <th scope="col">Kind</th>
                <th scope="col">Level</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {state.data.permissions.map((p) => (
                <tr key={`${p.kind}:${p.subject}`}>
                  <th scope="row">{p.subject}</th>
                  <td>{p.kind}</td>
                  <td>
                    <select
                      aria-label={`Level of ${p.subject}`}
                      value={p.level}
                      onChange={(e) => void change(() => apiJson(grantPath(repository, p), { method: 'PUT', body: { level: e.target.value } }))}
                    >
                      {LEVELS.map((l) => (
                        <option key={l.value} value={l.value}>
                          {l.label}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <button type="button" aria-label={`Remove ${p.subject}`} onClick={() => void change(() => apiJson(grantPath(repository, p), { method: 'DELETE' }))}>
                      Remove
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="settings-form" onSubmit={onAdd}>
        <fieldset>
          <legend>Grant access</legend>
          <p>
            <label htmlFor={kindId}>To a</label>{' '}
            <select id={kindId} value={kind} onChange={(e) => setKind(e.target.value === 'team' ? 'team' : 'user')}>
              <option value="user">user</option>
              <option value="team">team</option>
            </select>
          </p>
          <p>
            <label htmlFor={subjectId}>{kind === 'user' ? 'User name' : 'Team (organization/team)'}</label>{' '}
            <input
              id={subjectId}
              required
              value={subject}
              pattern={kind === 'team' ? '[^/]+/[^/]+' : '[^/]+'}
              placeholder={kind === 'user' ? 'alice' : 'acme/developers'}
              onChange={(e) => setSubject(e.target.value)}
            />
          </p>
          <p>
            <label htmlFor={levelId}>Level</label>{' '}
            <select id={levelId} value={level} onChange={(e) => setLevel(e.target.value as PermissionLevel)}>
              {LEVELS.map((l) => (
                <option key={l.value} value={l.value}>
                  {l.label}
                </option>
              ))}
            </select>
          </p>
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={subject.trim() === ''}>
            Grant
          </button>
        </div>
        {failure !== undefined && <ErrorState error={failure} />}
      </form>
    </div>
  );
}
