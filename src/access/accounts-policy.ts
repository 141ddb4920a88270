/**
 * The real AccessPolicy over the accounts store. Callers authenticate with Basic (password or
 * personal access token), Bearer (personal access token or a registry token from /auth/token) or the
 * web session cookie. Rights per repository: site admins, the namespace owner and organization owners
 * administer; explicit user/team grants; public repositories are readable by anyone; a push to a new
 * repository is allowed where the caller may create. Token scopes and registry-token claims cap rights.
 */
import type { FastifyRequest } from 'fastify';
import { DeniedError, UnauthorizedError } from '../core/errors.js';
import { OWNERS_TEAM, type AccountsStore, type PermissionLevel, type TokenScope } from '../accounts/accounts-store.js';
import { TOKEN_PREFIX } from '../accounts/secrets.js';
import { ANONYMOUS, type AccessPolicy, type Principal, type RepositoryAction } from './access-policy.js';
import type { LoginThrottle } from './login-throttle.js';
import { grantsOfClaims, type RegistryTokenSigner } from './registry-token.js';
import { cookieValue, CSRF_HEADER, sameSecret, SESSION_COOKIE, type SessionStore } from './sessions.js';

const RANK: Record<PermissionLevel, number> = { read: 1, write: 2, admin: 3 };
const LEVEL_ACTIONS: Record<PermissionLevel, readonly RepositoryAction[]> = {
  read: ['pull'],
  write: ['pull', 'push'],
  admin: ['pull', 'push', 'delete', 'admin'],
};
const SCOPE_ACTIONS: Record<TokenScope, readonly RepositoryAction[]> = {
  read: ['pull'],
  'read-write': ['pull', 'push', 'delete'],
  admin: ['pull', 'push', 'delete', 'admin'],
};
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function higher(a: PermissionLevel | undefined, b: PermissionLevel | undefined): PermissionLevel | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return RANK[a] >= RANK[b] ? a : b;
}

export interface AccountsPolicyDeps {
  readonly accounts: AccountsStore;
  readonly signer: RegistryTokenSigner;
  readonly throttle: LoginThrottle;
  readonly sessions: SessionStore;
}

export class AccountsAccessPolicy implements AccessPolicy {
  constructor(private readonly deps: AccountsPolicyDeps) {}

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    if (header !== undefined && header !== '') {
      const space = header.indexOf(' ');
      const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
      const value = space < 0 ? '' : header.slice(space + 1).trim();
      if (scheme === 'basic') return this.basic(request, value);
      if (scheme === 'bearer') return this.bearer(value);
      throw new UnauthorizedError('unsupported authorization scheme');
    }
    const sessionId = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (sessionId !== undefined) {
      const session = await this.deps.sessions.get(sessionId);
      if (!session) return ANONYMOUS;
      if (!SAFE_METHODS.has(request.method)) this.checkCsrf(request, session.csrfToken);
      const user = await this.deps.accounts.getUser(session.user);
      if (!user) return ANONYMOUS;
      return { kind: 'user', name: user.name, siteAdmin: user.siteAdmin };
    }
    return ANONYMOUS;
  }

  /** Username + password (or a token as the password), verified for the login routes and Basic auth. */
  async login(request: FastifyRequest, username: string, password: string): Promise<Principal & { kind: 'user' }> {
    if (password.startsWith(TOKEN_PREFIX)) {
      const token = await this.deps.accounts.useToken(password);
      const user = token && token.user === username ? await this.deps.accounts.getUser(token.user) : undefined;
      if (!token || !user) throw new UnauthorizedError('invalid username or password');
      return { kind: 'user', name: user.name, siteAdmin: user.siteAdmin, tokenScope: token.scope };
    }
    const key = `${request.ip}|${username}`;
    this.deps.throttle.check(key);
    const user = await this.deps.accounts.checkPassword(username, password);
    if (!user) {
      this.deps.throttle.fail(key);
      throw new UnauthorizedError('invalid username or password');
    }
    this.deps.throttle.succeed(key);
    return { kind: 'user', name: user.name, siteAdmin: user.siteAdmin };
  }

  private async basic(request: FastifyRequest, value: string): Promise<Principal> {
    if (value.length > 4096) throw new UnauthorizedError('invalid username or password');
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new UnauthorizedError('invalid username or password');
    return this.login(request, decoded.slice(0, colon), decoded.slice(colon + 1));
  }

  private async bearer(value: string): Promise<Principal> {
    if (value.startsWith(TOKEN_PREFIX)) {
      const token = await this.deps.accounts.useToken(value);
      const user = token && (await this.deps.accounts.getUser(token.user));
      if (!token || !user) throw new UnauthorizedError('invalid or expired token');
      return { kind: 'user', name: user.name, siteAdmin: user.siteAdmin, tokenScope: token.scope };
    }
    const claims = this.deps.signer.verify(value);
    if (!claims) throw new UnauthorizedError('invalid or expired token');
    const registryGrants = grantsOfClaims(claims.access);
    if (claims.sub === '') return { kind: 'anonymous', registryGrants };
    const user = await this.deps.accounts.getUser(claims.sub);
    if (!user) throw new UnauthorizedError('invalid or expired token');
    return { kind: 'user', name: user.name, siteAdmin: user.siteAdmin, registryGrants };
  }

  private checkCsrf(request: FastifyRequest, csrfToken: string): void {
    const given = request.headers[CSRF_HEADER];
    if (typeof given === 'string' && sameSecret(given, csrfToken)) return;
    // Browsers always send Origin on cross-site writes; a same-origin one is accepted without the header.
    const origin = request.headers.origin;
    if (typeof origin === 'string') {
      try {
        if (new URL(origin).host === request.host) return;
      } catch {
        // fall through to the refusal
      }
    }
    throw new DeniedError('missing or invalid CSRF token');
  }

  /** The permission level `principal` holds on `repository`, before token caps. */
  async level(principal: Principal, repository: string): Promise<PermissionLevel | undefined> {
    const { accounts } = this.deps;
    const namespace = repository.split('/')[0] ?? repository;
    const info = await accounts.getRepository(repository);
    let level: PermissionLevel | undefined = info?.visibility === 'public' ? 'read' : undefined;
    if (principal.kind !== 'user') return level;
    if (principal.siteAdmin || principal.name === namespace) return 'admin';
    const teams = await accounts.teamsOf(principal.name);
    if (teams.some((t) => t.org === namespace && t.name === OWNERS_TEAM)) return 'admin';
    const teamNames = new Set(teams.map((t) => `${t.org}/${t.name}`));
    for (const p of await accounts.listPermissions(repository)) {
      if ((p.kind === 'user' && p.subject === principal.name) || (p.kind === 'team' && teamNames.has(p.subject))) level = higher(level, p.level);
    }
    if (!info && teams.some((t) => t.org === namespace && t.canCreate)) level = higher(level, 'write');
    return level;
  }

  async grantedActions(principal: Principal, repository: string, actions: readonly RepositoryAction[]): Promise<readonly RepositoryAction[]> {
    const level = await this.level(principal, repository);
    if (level === undefined) return [];
    let held = LEVEL_ACTIONS[level];
    if (principal.kind === 'user' && principal.tokenScope !== undefined) {
      const cap = SCOPE_ACTIONS[principal.tokenScope];
      held = held.filter((a) => cap.includes(a));
    }
    if (principal.registryGrants !== undefined) {
      const cap = principal.registryGrants.get(repository) ?? [];
      held = held.filter((a) => cap.includes(a));
    }
    return actions.filter((a) => held.includes(a));
  }

  /** Whether `principal` may create repositories in `namespace` by pushing. */
  async mayCreateIn(principal: Principal, namespace: string): Promise<boolean> {
    if (principal.kind !== 'user') return false;
    if (principal.siteAdmin || principal.name === namespace) return true;
    return (await this.deps.accounts.teamsOf(principal.name)).some((t) => t.org === namespace && t.canCreate);
  }
}
