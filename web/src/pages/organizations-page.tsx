/**
 * Organizations: /organizations lists them (and creates one, its creator becoming owner);
 * /organizations/:org shows its teams with their members and repository grants, and the members with
 * their teams. Owners add and remove teams and members; everyone else sees it read-only.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { apiJson, apiPath } from '../api/client.js';
import type { CurrentUser, Team, TeamGrant } from '../api/types.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { TabLinks } from '../components/tabs.js';
import { useAsync } from '../components/use-async.js';
import { useTitle } from '../components/use-title.js';
import { NotFoundPage } from './not-found-page.js';

const OWNERS = 'owners';

export function OrganizationsPage(): ReactNode {
  useTitle('Organizations');
  const navigate = useNavigate();
  const { state, reload } = useAsync(async (signal) => {
    const [orgs, me] = await Promise.all([apiJson<{ name: string }[]>(apiPath('orgs'), { signal }), apiJson<CurrentUser>(apiPath('user'), { signal })]);
    return { orgs, mine: new Set(me.teams.map((t) => t.org)) };
  }, []);
  const [name, setName] = useState('');
  const [failure, setFailure] = useState<unknown>(undefined);
  const nameId = useId();

  const onCreate = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setFailure(undefined);
    try {
      await apiJson(apiPath('orgs'), { method: 'POST', body: { name: name.trim() } });
      void navigate(`/organizations/${encodeURIComponent(name.trim())}`);
    } catch (error) {
      setFailure(error);
    }
  };

  return (
    <section className="page">
      <h1>Organizations</h1>
      {state.status === 'loading' && <Loading label="Loading organizations…" />}
      {state.status === 'error' && <ErrorState error={state.error} onRetry={reload} />}
      {state.status === 'ready' && state.data.orgs.length === 0 && <Empty title="No organizations yet">Create one to share repositories with teams.</Empty>}
      {state.status === 'ready' && state.data.orgs.length > 0 && (
        <ul className="plain-list" aria-label="Organizations">
          {state.data.orgs.map((o) => (
            <li key={o.name}>
              <Link to={`/organizations/${encodeURIComponent(o.name)}`}>{o.name}</Link>
              {state.data.mine.has(o.name) && <span className="badge">member</span>}
            </li>
          ))}
        </ul>
      )}
      <form className="settings-form" onSubmit={(e) => void onCreate(e)}>
        <fieldset>
          <legend>New organization</legend>
          <p>
            <label htmlFor={nameId}>Name</label>{' '}
            <input id={nameId} required maxLength={64} pattern="[a-z0-9]+(?:[._-][a-z0-9]+)*" value={name} onChange={(e) => setName(e.target.value)} placeholder="acme" />
          </p>
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

interface TeamDetail extends Team {
  readonly members: string[];
  /** Undefined when the caller may not list them (not a member of the organization). */
  readonly grants: TeamGrant[] | undefined;
}

interface OrgData {
  readonly teams: TeamDetail[];
  readonly isOwner: boolean;
}

async function loadOrganization(org: string, signal: AbortSignal): Promise<OrgData> {
  const [teams, me] = await Promise.all([apiJson<Team[]>(apiPath('orgs', org, 'teams'), { signal }), apiJson<CurrentUser>(apiPath('user'), { signal })]);
  const details = await Promise.all(
    teams.map(async (t): Promise<TeamDetail> => {
      const members = (await apiJson<{ name: string }[]>(apiPath('orgs', org, 'teams', t.name, 'members'), { signal })).map((m) => m.name);
      const grants = await apiJson<TeamGrant[]>(apiPath('orgs', org, 'teams', t.name, 'repositories'), { signal }).catch(() => undefined);
      return { ...t, members, grants };
    }),
  );
  const isOwner = me.siteAdmin || (details.find((t) => t.name === OWNERS)?.members.includes(me.name) ?? false);
  return { teams: details, isOwner };
}

function TeamCard({ org, team, canEdit, onChange }: { org: string; team: TeamDetail; canEdit: boolean; onChange: (action: () => Promise<unknown>) => void }): ReactNode {
  const [user, setUser] = useState('');
  const inputId = useId();
  return (
    <li className="team">
      <h3>
        {team.name}
        {team.name === OWNERS && <span className="badge">administers everything in {org}</span>}
        {team.canCreate && <span className="badge">may create repositories</span>}
      </h3>
      {team.members.length === 0 ? (
        <p className="muted small">No members.</p>
      ) : (
        <ul className="plain-list" aria-label={`Members of ${team.name}`}>
          {team.members.map((m) => (
            <li key={m}>
              {m}{' '}
              {canEdit && !(team.name === OWNERS && team.members.length === 1) && (
                <button type="button" className="link-button" aria-label={`Remove ${m} from ${team.name}`} onClick={() => onChange(() => apiJson(apiPath('orgs', org, 'teams', team.name, 'members', m), { method: 'DELETE' }))}>
                  remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {team.grants !== undefined && (
        <>
          <h4>Repositories</h4>
          {team.grants.length === 0 ? (
            <p className="muted small">{team.name === OWNERS ? 'Every repository of the organization (as owners).' : 'No repository grants yet (give them in a repository’s Permissions tab).'}</p>
          ) : (
            <ul className="plain-list" aria-label={`Repositories of ${team.name}`}>
              {team.grants.map((g) => (
                <li key={g.repository}>
                  <Link to={`/repositories/${g.repository}/permissions`}>{g.repository}</Link> <span className="badge">{g.level}</span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      {canEdit && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            onChange(async () => {
              await apiJson(apiPath('orgs', org, 'teams', team.name, 'members', user.trim()), { method: 'PUT' });
              setUser('');
            });
          }}
        >
          <label htmlFor={inputId}>Add a member to {team.name}</label> <input id={inputId} required value={user} onChange={(e) => setUser(e.target.value)} placeholder="user name" />{' '}
          <button type="submit" aria-label={`Add member to ${team.name}`}>
            Add
          </button>
        </form>
      )}
      {canEdit && team.name !== OWNERS && (
        <button type="button" className="danger" onClick={() => onChange(() => apiJson(apiPath('orgs', org, 'teams', team.name), { method: 'DELETE' }))}>
          Delete team {team.name}
        </button>
      )}
    </li>
  );
}

export function OrganizationPage(): ReactNode {
  const { org = '', tab = 'teams' } = useParams();
  useTitle(org);
  const { state, reload } = useAsync((signal) => loadOrganization(org, signal), [org]);
  const [teamName, setTeamName] = useState('');
  const [canCreate, setCanCreate] = useState(false);
  const [failure, setFailure] = useState<unknown>(undefined);
  const teamId = useId();
  const createId = useId();
  if (tab !== 'teams' && tab !== 'members') return <NotFoundPage />;

  const change = (action: () => Promise<unknown>): void => {
    setFailure(undefined);
    action().then(reload, setFailure);
  };
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
          { to: `${base}/teams`, label: 'Teams' },
          { to: `${base}/members`, label: 'Members' },
        ]}
      />
      {state.status === 'loading' && <Loading label="Loading organization…" />}
      {state.status === 'error' && <ErrorState error={state.error} onRetry={reload} />}
      {state.status === 'ready' && !state.data.isOwner && (
        <p className="notice" role="note">
          Only owners of {org} change its teams and members.
        </p>
      )}
      {failure !== undefined && <ErrorState error={failure} />}
      {state.status === 'ready' && tab === 'teams' && (
        <div className="tab-panel">
          <ul className="team-list" aria-label="Teams">
            {state.data.teams.map((t) => (
              <TeamCard key={t.name} org={org} team={t} canEdit={state.data.isOwner} onChange={change} />
            ))}
          </ul>
          {state.data.isOwner && (
            <form
              className="settings-form"
              onSubmit={(e) => {
                e.preventDefault();
                change(async () => {
                  await apiJson(apiPath('orgs', org, 'teams'), { method: 'POST', body: { name: teamName.trim(), canCreate } });
                  setTeamName('');
                  setCanCreate(false);
                });
              }}
            >
              <fieldset>
                <legend>New team</legend>
                <p>
                  <label htmlFor={teamId}>Team name</label> <input id={teamId} required maxLength={64} value={teamName} onChange={(e) => setTeamName(e.target.value)} />
                </p>
                <p>
                  <input id={createId} type="checkbox" checked={canCreate} onChange={(e) => setCanCreate(e.target.checked)} /> <label htmlFor={createId}>Members may create repositories in {org} by pushing</label>
                </p>
              </fieldset>
              <div className="form-actions">
                <button type="submit" className="primary" disabled={teamName.trim() === ''}>
                  Create team
                </button>
              </div>
            </form>
          )}
        </div>
      )}
      {state.status === 'ready' && tab === 'members' && <Members teams={state.data.teams} />}
    </section>
  );
}

function Members({ teams }: { teams: readonly TeamDetail[] }): ReactNode {
  const byUser = new Map<string, string[]>();
  for (const t of teams) for (const m of t.members) byUser.set(m, [...(byUser.get(m) ?? []), t.name]);
  const users = [...byUser.keys()].sort();
  if (users.length === 0) return <Empty title="No members" />;
  return (
    <div className="table-wrap tab-panel">
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
