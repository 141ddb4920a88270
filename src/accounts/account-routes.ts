/**
 * /api/v1 account management: the current user, users (site admins), personal access tokens,
 * organizations, teams and members, and the audit log. Every change is written to the audit log.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AccessPolicy, Principal } from '../access/access-policy.js';
import { DeniedError, NotFoundError, UnauthorizedError } from '../core/errors.js';
import { OWNERS_TEAM, TOKEN_SCOPES, type AccountsStore } from './accounts-store.js';

type UserPrincipal = Principal & { kind: 'user' };

export interface AccountRoutesDeps {
  readonly access: AccessPolicy;
  readonly accounts: AccountsStore;
  /** Ends the web sessions of a deleted user. */
  readonly onUserDeleted?: (name: string) => void | Promise<void>;
}

const Name = Type.String({ minLength: 1, maxLength: 64 });
const UserParams = Type.Object({ user: Name });
const OrgParams = Type.Object({ org: Name });
const TeamParams = Type.Object({ org: Name, team: Name });
const MemberParams = Type.Object({ org: Name, team: Name, user: Name });
const TokenParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const CreateUser = Type.Object(
  { name: Name, password: Type.String({ minLength: 8, maxLength: 1024 }), siteAdmin: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const CreateToken = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scope: Type.Union(TOKEN_SCOPES.map((s) => Type.Literal(s))),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
const CreateOrg = Type.Object({ name: Name }, { additionalProperties: false });
const CreateTeam = Type.Object({ name: Name, canCreate: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
const AuditQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) });

/** The authenticated user; 401 for anonymous callers. Changes need a password, session or admin/read-write token. */
export async function requireUser(access: AccessPolicy, request: FastifyRequest): Promise<UserPrincipal> {
  const principal = await access.authenticate(request);
  if (principal.kind !== 'user') throw new UnauthorizedError();
  if (request.method !== 'GET' && request.method !== 'HEAD' && principal.tokenScope === 'read') throw new DeniedError('token scope "read" cannot make changes');
  return principal;
}

function requireSiteAdmin(principal: UserPrincipal): void {
  if (!principal.siteAdmin || (principal.tokenScope !== undefined && principal.tokenScope !== 'admin')) throw new DeniedError('site admin only');
}

export function accountRoutes(deps: AccountRoutesDeps): FastifyPluginAsync {
  const { accounts, access } = deps;

  async function requireOrgOwner(principal: UserPrincipal, org: string): Promise<void> {
    if (!(await accounts.isOrganization(org))) throw new NotFoundError(`organization ${org}`);
    if (principal.siteAdmin) return;
    if (!(await accounts.listMembers(org, OWNERS_TEAM)).includes(principal.name)) throw new DeniedError('organization owners only');
  }

  return async (app: FastifyInstance) => {
    app.get('/user', async (request) => {
      const p = await requireUser(access, request);
      const user = await accounts.getUser(p.name);
      if (!user) throw new UnauthorizedError();
      const teams = await accounts.teamsOf(p.name);
      return { ...user, tokenScope: p.tokenScope ?? null, teams: teams.map((t) => ({ org: t.org, name: t.name })) };
    });

    // ---- users ----
    app.get('/users', async (request) => {
      requireSiteAdmin(await requireUser(access, request));
      return accounts.listUsers();
    });
    app.post<{ Body: Static<typeof CreateUser> }>('/users', { schema: { body: CreateUser } }, async (request, reply) => {
      const p = await requireUser(access, request);
      requireSiteAdmin(p);
      const user = await accounts.createUser(request.body.name, request.body.password, request.body.siteAdmin ?? false);
      await accounts.audit(p.name, 'user.create', user.name, { siteAdmin: user.siteAdmin });
      return reply.code(201).send(user);
    });
    app.get<{ Params: Static<typeof UserParams> }>('/users/:user', { schema: { params: UserParams } }, async (request) => {
      const p = await requireUser(access, request);
      if (!p.siteAdmin && p.name !== request.params.user) throw new NotFoundError(`user ${request.params.user}`);
      const user = await accounts.getUser(request.params.user);
      if (!user) throw new NotFoundError(`user ${request.params.user}`);
      return user;
    });
    app.delete<{ Params: Static<typeof UserParams> }>('/users/:user', { schema: { params: UserParams } }, async (request, reply) => {
      const p = await requireUser(access, request);
      requireSiteAdmin(p);
      await accounts.deleteUser(request.params.user);
      await deps.onUserDeleted?.(request.params.user);
      await accounts.audit(p.name, 'user.delete', request.params.user);
      return reply.code(204).send();
    });

    // ---- personal access tokens (of the current user) ----
    app.get('/user/tokens', async (request) => accounts.listTokens((await requireUser(access, request)).name));
    app.post<{ Body: Static<typeof CreateToken> }>('/user/tokens', { schema: { body: CreateToken } }, async (request, reply) => {
      const p = await requireUser(access, request);
      // A token cannot mint a token with more rights than itself.
      if (p.tokenScope !== undefined && p.tokenScope !== 'admin') throw new DeniedError('tokens are created with a password, a session or an admin token');
      const expiresAt = request.body.expiresAt === undefined ? undefined : new Date(request.body.expiresAt);
      const { token, secret } = await accounts.createToken(p.name, request.body.name, request.body.scope, expiresAt);
      await accounts.audit(p.name, 'token.create', `${p.name}/${token.name}`, { id: token.id, scope: token.scope, expiresAt: token.expiresAt });
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ ...token, token: secret });
    });
    app.delete<{ Params: Static<typeof TokenParams> }>('/user/tokens/:id', { schema: { params: TokenParams } }, async (request, reply) => {
      const p = await requireUser(access, request);
      await accounts.revokeToken(p.name, request.params.id);
      await accounts.audit(p.name, 'token.revoke', `${p.name}/${request.params.id}`);
      return reply.code(204).send();
    });

    // ---- organizations and teams ----
    app.get('/orgs', async (request) => {
      await requireUser(access, request);
      return (await accounts.listOrganizations()).map((name) => ({ name }));
    });
    app.post<{ Body: Static<typeof CreateOrg> }>('/orgs', { schema: { body: CreateOrg } }, async (request, reply) => {
      const p = await requireUser(access, request);
      await accounts.createOrganization(request.body.name, p.name);
      await accounts.audit(p.name, 'org.create', request.body.name);
      return reply.code(201).send({ name: request.body.name, teams: await accounts.listTeams(request.body.name) });
    });
    app.get<{ Params: Static<typeof OrgParams> }>('/orgs/:org', { schema: { params: OrgParams } }, async (request) => {
      await requireUser(access, request);
      if (!(await accounts.isOrganization(request.params.org))) throw new NotFoundError(`organization ${request.params.org}`);
      return { name: request.params.org, teams: await accounts.listTeams(request.params.org) };
    });
    app.delete<{ Params: Static<typeof OrgParams> }>('/orgs/:org', { schema: { params: OrgParams } }, async (request, reply) => {
      const p = await requireUser(access, request);
      await requireOrgOwner(p, request.params.org);
      await accounts.deleteOrganization(request.params.org);
      await accounts.audit(p.name, 'org.delete', request.params.org);
      return reply.code(204).send();
    });
    app.get<{ Params: Static<typeof OrgParams> }>('/orgs/:org/teams', { schema: { params: OrgParams } }, async (request) => {
      await requireUser(access, request);
      if (!(await accounts.isOrganization(request.params.org))) throw new NotFoundError(`organization ${request.params.org}`);
      return accounts.listTeams(request.params.org);
    });
    app.post<{ Params: Static<typeof OrgParams>; Body: Static<typeof CreateTeam> }>(
      '/orgs/:org/teams',
      { schema: { params: OrgParams, body: CreateTeam } },
      async (request, reply) => {
        const p = await requireUser(access, request);
        await requireOrgOwner(p, request.params.org);
        const team = await accounts.createTeam(request.params.org, request.body.name, request.body.canCreate ?? false);
        await accounts.audit(p.name, 'team.create', `${team.org}/${team.name}`, { canCreate: team.canCreate });
        return reply.code(201).send(team);
      },
    );
    app.delete<{ Params: Static<typeof TeamParams> }>('/orgs/:org/teams/:team', { schema: { params: TeamParams } }, async (request, reply) => {
      const p = await requireUser(access, request);
      await requireOrgOwner(p, request.params.org);
      await accounts.deleteTeam(request.params.org, request.params.team);
      await accounts.audit(p.name, 'team.delete', `${request.params.org}/${request.params.team}`);
      return reply.code(204).send();
    });
    app.get<{ Params: Static<typeof TeamParams> }>('/orgs/:org/teams/:team/members', { schema: { params: TeamParams } }, async (request) => {
      await requireUser(access, request);
      if (!(await accounts.getTeam(request.params.org, request.params.team))) throw new NotFoundError(`team ${request.params.org}/${request.params.team}`);
      return (await accounts.listMembers(request.params.org, request.params.team)).map((name) => ({ name }));
    });
    // Which repositories a team may read, write or administer: for the organization's members and site admins.
    app.get<{ Params: Static<typeof TeamParams> }>('/orgs/:org/teams/:team/repositories', { schema: { params: TeamParams } }, async (request) => {
      const p = await requireUser(access, request);
      const { org, team } = request.params;
      if (!(await accounts.getTeam(org, team))) throw new NotFoundError(`team ${org}/${team}`);
      if (!p.siteAdmin && !(await accounts.teamsOf(p.name)).some((t) => t.org === org)) throw new DeniedError('organization members only');
      return accounts.teamPermissions(org, team);
    });
    app.put<{ Params: Static<typeof MemberParams> }>('/orgs/:org/teams/:team/members/:user', { schema: { params: MemberParams } }, async (request, reply) => {
      const p = await requireUser(access, request);
      await requireOrgOwner(p, request.params.org);
      await accounts.addMember(request.params.org, request.params.team, request.params.user);
      await accounts.audit(p.name, 'team.member.add', `${request.params.org}/${request.params.team}`, { user: request.params.user });
      return reply.code(204).send();
    });
    app.delete<{ Params: Static<typeof MemberParams> }>('/orgs/:org/teams/:team/members/:user', { schema: { params: MemberParams } }, async (request, reply) => {
      const p = await requireUser(access, request);
      await requireOrgOwner(p, request.params.org);
      await accounts.removeMember(request.params.org, request.params.team, request.params.user);
      await accounts.audit(p.name, 'team.member.remove', `${request.params.org}/${request.params.team}`, { user: request.params.user });
      return reply.code(204).send();
    });

    // ---- audit log ----
    app.get<{ Querystring: Static<typeof AuditQuery> }>('/audit-log', { schema: { querystring: AuditQuery } }, async (request) => {
      requireSiteAdmin(await requireUser(access, request));
      return accounts.auditLog(request.query.limit ?? 100);
    });
  };
}
