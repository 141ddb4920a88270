/**
 * Organizations: the list (the caller's own marked) with a form to create one, and one organization
 * with Members (the union of its teams' members), Teams (owners create and delete teams and change
 * members) and Repositories (what each team may read, write or administer). Non-owners see it read-only.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, apiJson, apiPath } from '../api/client.js';
import type { CurrentUser, Organization, Team, TeamRepositoryPermission } from '../api/types.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { TabLinks } from '../components/tabs.js';
import { useAsync } from '../components/use-async.js';
import { useTitle } from '../components/use-title.js';
import { NotFoundPage } from './not-found-page.js';

const OWNERS = 'owners';

export function OrganizationsPage(): ReactNode {
  useTitle('Organizations');
  const navigate = useNavigate();
  const { state, reload } = useAsync(
    async (signal) => {
      const [orgs, user] = await Promise.all([apiJson<{ name: string }[]>(apiPath('orgs'), { signal }), apiJson<CurrentUser>(apiPath('user'), { signal })]);
      return { orgs, mine: new Set(user.teams.map((t) => t.org)) };
    },
    [],
  );
  const [name, setName] = useState('');
  const [failure, setFailure] = useState<unknown>(undefined);
  const nameId = useId();

  const onCreate = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setFailure(undefined);
    try {
      const org = await apiJson<Organization>(apiPath('orgs'), { method: 'POST', body: { name: name.trim() } });
      void navigate(`/organizations/${encodeURIComponent(org.name)}/teams`);
    } catch (error) {
      setFailure(error);
    }
  };

  return (
    <section className="page">
      <h1>Organizations</h1>
      {state.status === 'loading' && <Loading label="Loading organizations…" />}
      {state.status === 'error' && <ErrorState error={state.error} onRetry={reload} />}
      {state.status === 'ready' &&
        (state.data.orgs.length === 0 ? (
          <Empty title="No organizations">Create one to share repositories with teams.</Empty>
        ) : (
          <ul className="org-list" aria-label="Organizations">
            {state.data.orgs.map((o) => (
              <li key={o.name}>
                <Link to={`/organizations/${encodeURIComponent(o.name)}/members`}>{o.name}</Link>
                {state.data.mine.has(o.name) && <span className="badge">member</span>}
              </li>
            ))}
          </ul>
        ))}
      <form className="settings-form" onSubmit={(e) => void onCreate(e)}>
        <fieldset>
          <legend>Create an organization</legend>
          <p>
            <label htmlFor={nameId}>Name</label>{' '}
            <input id={nameId} required maxLength={64} pattern="[a-z0-9]+([._\-][a-z0-9]+)*" value={name} onChange={(e) => setName(e.target.value)} placeholder="acme" />
          </p>
          <p className="muted small">Lower-case letters, digits and . _ - between them. You become its first owner; it is also a namespace for repositories.</p>
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={name.trim() === ''}>
            Create organization
          </button>
        </div>
        {failure !== undefined && <ErrorState error={failure} />}
      </form>
    </section>
  );
}

interface OrgData {
  readonly teams: readonly Team[];
  readonly members: ReadonlyMap<string, readonly string[]>;
  readonly isOwner: boolean;
}

async function loadOrg(org: string, signal: AbortSignal): Promise<OrgData> {
  const [info, user] = await Promise.all([apiJson<Organization>(apiPath('orgs', org), { signal }), apiJson<CurrentUser>(apiPath('user'), { signal })]);
  const members = new Map<string, string[]>();
  await Promise.all(
    info.teams.map(async (t) => {
      const list = await apiJson<{ name: string }[]>(apiPath('orgs', org, 'teams', t.name, 'members'), { signal });
      members.set(
        t.name,
        list.map((m) => m.name),
      );
    }),
  );
  const isOwner = user.siteAdmin || user.teams.some((t) => t.org === org && t.name === OWNERS);
  return { teams: info.teams, members, isOwner };
}

function MembersTab({ data }: { data: OrgData }): ReactNode {
  const byUser = new Map<string, string[]>();
  for (const t of data.teams) for (const m of data.members.get(t.name) ?? []) byUser.set(m, [...(byUser.get(m) ?? []), t.name]);
  const users = [...byUser.keys()].sort();
  if (users.length === 0) return <Empty title="No members">Add people to a team on the Teams tab.</Empty>;
  return (
    <div className="table-wrap">
      <table className="data-table">
        <caption className="visually-hidden">Members and their teams</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Teams</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u}>
              <th scope="row">{u}</th>
              <td>{(byUser.get(u) ?? []).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function TeamCard({ org, team, members, isOwner, onChanged }: { org: string; team: Team; members: readonly string[]; isOwner: boolean; onChanged: () => void }): ReactNode {
  const [user, setUser] = useState('');
  const [failure, setFailure] = useState<unknown>(undefined);
  const [confirming, setConfirming] = useState(false);
  const userId = useId();
  const act = async (fn: () => Promise<unknown>): Promise<void> => {
    setFailure(undefined);
    try {
      await fn();
      onChanged();
    } catch (error) {
      setFailure(error);
    }
  };
  const onAdd = (e: FormEvent): void => {
    e.preventDefault();
    void act(async () => {
      await apiJson(apiPath('orgs', org, 'teams', team.name, 'members', user.trim()), { method: 'PUT' });
      setUser('');
    });
  };
  return (
    <li className="team-card" aria-labelledby={`team-${team.name}`}>
      <h3 id={`team-${team.name}`}>
        {team.name}
        {team.name === OWNERS && <span className="badge">administers the organization</span>}
        {team.canCreate && <span className="badge">may create repositories</span>}
      </h3>
      {members.length === 0 ? (
        <p className="muted small">No members.</p>
      ) : (
        <ul className="member-list" aria-label={`Members of ${team.name}`}>
          {members.map((m) => (
            <li key={m}>
              {m}{' '}
              {isOwner && (
                <button type="button" className="link-button" aria-label={`Remove ${m} from ${team.name}`} onClick={() => void act(() => apiJson(apiPath('orgs', org, 'teams', team.name, 'members', m), { method: 'DELETE' }))}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {isOwner && (
        <form className="inline-form" onSubmit={onAdd}>
          <label htmlFor={userId}>Add member to {team.name}</label>{' '}
          <input id={userId} required maxLength={64} value={user} onChange={(e) => setUser(e.target.value)} placeholder="username" />{' '}
          <button type="submit" disabled={user.trim() === ''}>
            Add
          </button>
        </form>
      )}
      {isOwner &&
        team.name !== OWNERS &&
        (confirming ? (
          <p className="confirm">
            Delete team “{team.name}” and its repository permissions?{' '}
            <button type="button" className="danger" onClick={() => void act(() => apiJson(apiPath('orgs', org, 'teams', team.name), { method: 'DELETE' }))}>
              Yes, delete
            </button>{' '}
            <button type="button" autoFocus onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </p>
        ) : (
          <p>
            <button type="button" onClick={() => setConfirming(true)} aria-label={`Delete team ${team.name}`}>
              Delete team
            </button>
          </p>
        ))}
      {failure !== undefined && <ErrorState error={failure} />}
    </li>
  );
}

function TeamsTab({ org, data, onChanged }: { org: string; data: OrgData; onChanged: () => void }): ReactNode {
  const [name, setName] = useState('');
  const [canCreate, setCanCreate] = useState(false);
  const [failure, setFailure] = useState<unknown>(undefined);
  const nameId = useId();
  const onCreate = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setFailure(undefined);
    try {
      await apiJson(apiPath('orgs', org, 'teams'), { method: 'POST', body: { name: name.trim(), canCreate } });
      setName('');
      setCanCreate(false);
      onChanged();
    } catch (error) {
      setFailure(error);
    }
  };
  return (
    <div className="tab-panel">
      {!data.isOwner && (
        <p className="notice" role="note">
          Only the organization’s owners change teams; you see them read-only.
        </p>
      )}
      <ul className="team-list" aria-label="Teams">
        {data.teams.map((t) => (
          <TeamCard key={t.name} org={org} team={t} members={data.members.get(t.name) ?? []} isOwner={data.isOwner} onChanged={onChanged} />
        ))}
      </ul>
      {data.isOwner && (
        <form className="settings-form" onSubmit={(e) => void onCreate(e)}>
          <fieldset>
            <legend>Create a team</legend>
            <p>
              <label htmlFor={nameId}>Team name</label>{' '}
              <input id={nameId} required maxLength={64} value={name} onChange={(e) => setName(e.target.value)} placeholder="developers" />
            </p>
            <label className="check">
              <input type="checkbox" checked={canCreate} onChange={(e) => setCanCreate(e.target.checked)} /> Members may create repositories in {org} by pushing
            </label>
          </fieldset>
          <div className="form-actions">
            <button type="submit" className="primary" disabled={name.trim() === ''}>
              Create team
            </button>
          </div>
          {failure !== undefined && <ErrorState error={failure} />}
        </form>
      )}
    </div>
  );
}

function RepositoriesTab({ org, teams }: { org: string; teams: readonly Team[] }): ReactNode {
  const { state, reload } = useAsync(
    async (signal) =>
      Promise.all(
        teams.map(async (t) => ({ team: t.name, grants: await apiJson<TeamRepositoryPermission[]>(apiPath('orgs', org, 'teams', t.name, 'repositories'), { signal }) })),
      ),
    [org, teams.map((t) => t.name).join(',')],
  );
  if (state.status === 'loading') return <Loading label="Loading team permissions…" />;
  if (state.status === 'error') {
    if (state.error instanceof ApiError && state.error.status === 403) {
      return (
        <p className="notice" role="note">
          Only members of {org} can see which repositories its teams may use.
        </p>
      );
    }
    return <ErrorState error={state.error} onRetry={reload} />;
  }
  const rows = state.data.flatMap((t) => t.grants.map((g) => ({ team: t.team, ...g })));
  return (
    <div className="tab-panel">
      <p className="muted">Permissions are given on each repository’s Permissions tab by its admins.</p>
      {rows.length === 0 ? (
        <Empty title="No repository permissions">No team of {org} has been given access to a repository yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Repository permissions of the teams of {org}</caption>
            <thead>
              <tr>
                <th scope="col">Team</th>
                <th scope="col">Repository</th>
                <th scope="col">Role</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.team} ${r.repository}`}>
                  <th scope="row">{r.team}</th>
                  <td>
                    <Link to={`/repositories/${r.repository}/permissions`}>{r.repository}</Link>
                  </td>
                  <td>{r.level}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

export function OrganizationPage(): ReactNode {
  const { org = '', tab = 'members' } = useParams();
  useTitle(org);
  const { state, reload } = useAsync((signal) => loadOrg(org, signal), [org]);
  if (tab !== 'members' && tab !== 'teams' && tab !== 'repositories') return <NotFoundPage />;
  const base = `/organizations/${encodeURIComponent(org)}`;
  return (
    <section className="page">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/organizations">Organizations</Link>
      </nav>
      <h1>{org}</h1>
      <TabLinks
        label="Organization"
        tabs={[
          { to: `${base}/members`, label: 'Members' },
          { to: `${base}/teams`, label: 'Teams' },
          { to: `${base}/repositories`, label: 'Repositories' },
        ]}
      />
      {state.status === 'loading' && <Loading label="Loading organization…" />}
      {state.status === 'error' && <ErrorState error={state.error} onRetry={reload} />}
      {state.status === 'ready' && tab === 'members' && <MembersTab data={state.data} />}
      {state.status === 'ready' && tab === 'teams' && <TeamsTab org={org} data={state.data} onChanged={reload} />}
      {state.status === 'ready' && tab === 'repositories' && <RepositoriesTab org={org} teams={state.data.teams} />}
    </section>
  );
}
