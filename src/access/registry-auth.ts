/**
 * The registry's auth slot: a RegistryGuard run before every /v2 route (401 with the Bearer
 * challenge for anonymous callers, DENIED for authenticated ones), the catalog filter and mount rule,
 * and the Docker token endpoint `GET /auth/token` issuing registry tokens for the granted subset of
 * the requested scopes.
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DeniedError, UnauthorizedError } from '../core/errors.js';
import { ociErrorHandler } from '../registry/oci-errors.js';
import type { RegistryAccess, RegistryGuard } from '../registry/registry-plugin.js';
import type { AccessPolicy, Principal, RepositoryAction } from './access-policy.js';
import { TOKEN_SERVICE, type AccessClaim, type RegistryTokenSigner } from './registry-token.js';

const KNOWN_ACTIONS: readonly RepositoryAction[] = ['pull', 'push', 'delete'];
const MAX_SCOPES = 32;

export interface RegistryAuthDeps {
  readonly access: AccessPolicy;
  readonly publicUrl: string | undefined;
  /** Called when a caller may push to `repository` (records new repositories, private by default). */
  readonly onPushAllowed?: (principal: Principal, repository: string) => Promise<void>;
}

export interface RegistryAuth {
  readonly guard: RegistryGuard;
  /** Keeps only the repositories the caller of `request` may pull. */
  catalogFilter(request: FastifyRequest, names: readonly string[]): Promise<string[]>;
  /** Whether the caller of `request` may mount blobs from `source`. */
  mountAllowed(request: FastifyRequest, source: string): Promise<boolean>;
}

function realmOf(publicUrl: string | undefined, request: FastifyRequest): string {
  return `${publicUrl ?? `${request.protocol}://${request.host}`}/auth/token`;
}

function challenge(reply: FastifyReply, realm: string, access: RegistryAccess): void {
  const main = access.scopes[0];
  let header = `Bearer realm="${realm}",service="${TOKEN_SERVICE}"`;
  if (main) {
    const actions = main.actions.includes('push') ? 'pull,push' : main.actions.join(',');
    header += `,scope="repository:${main.repository}:${actions}"`;
  } else if (access.endpoint === 'catalog') {
    header += ',scope="registry:catalog:*"';
  }
  reply.header('www-authenticate', header);
}

export function registryAuth(deps: RegistryAuthDeps): RegistryAuth {
  const principals = new WeakMap<FastifyRequest, Principal>();

  async function principalOf(request: FastifyRequest): Promise<Principal> {
    const known = principals.get(request);
    if (known) return known;
    const p = await deps.access.authenticate(request);
    principals.set(request, p);
    return p;
  }

  const guard: RegistryGuard = async (request, reply, access) => {
    const realm = realmOf(deps.publicUrl, request);
    let principal: Principal;
    try {
      principal = await principalOf(request);
    } catch (err: unknown) {
      if (err instanceof UnauthorizedError) challenge(reply, realm, access);
      throw err;
    }
    if (access.endpoint === 'base' || access.endpoint === 'catalog') {
      // `docker login` probes /v2/ and expects 401 until it presents credentials; clients send them
      // for the catalog only when challenged (anonymous callers get a token and see public names).
      if (principal.kind === 'anonymous' && principal.registryGrants === undefined) {
        challenge(reply, realm, access);
        throw new UnauthorizedError();
      }
      return;
    }
    // The catalog is filtered per caller; further scopes are mount sources, checked by mountAllowed.
    const main = access.scopes[0];
    if (!main) return;
    const granted = await deps.access.grantedActions(principal, main.repository, main.actions);
    const missing = main.actions.filter((a) => !granted.includes(a));
    if (missing.length > 0) {
      if (principal.kind === 'anonymous') {
        challenge(reply, realm, access);
        throw new UnauthorizedError();
      }
      if (principal.registryGrants !== undefined) {
        // A registry token lacking a scope its user holds: the client asks /auth/token again for it.
        const { registryGrants: _grants, ...subject } = principal;
        const held = await deps.access.grantedActions(subject, main.repository, missing);
        if (held.length === missing.length) {
          challenge(reply, realm, access);
          throw new UnauthorizedError();
        }
      }
      throw new DeniedError();
    }
    if (main.actions.includes('push') && deps.onPushAllowed) await deps.onPushAllowed(principal, main.repository);
  };

  return {
    guard,
    async catalogFilter(request, names) {
      const caller = await principalOf(request);
      // A registry token caps repository actions; listing names depends on what its subject may read.
      const { registryGrants: _grants, ...principal } = caller;
      const out: string[] = [];
      for (const name of names) if ((await deps.access.grantedActions(principal, name, ['pull'])).includes('pull')) out.push(name);
      return out;
    },
    async mountAllowed(request, source) {
      const principal = await principalOf(request);
      return (await deps.access.grantedActions(principal, source, ['pull'])).includes('pull');
    },
  };
}

/** A requested scope `type:name:actions` (the name may hold a port-free path; actions after the last colon). */
export function parseScope(scope: string): { type: string; name: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last <= first) return undefined;
  const type = scope.slice(0, first);
  const name = scope.slice(first + 1, last);
  const actions = scope.slice(last + 1).split(',').filter((a) => a !== '');
  return name === '' ? undefined : { type, name, actions };
}

export interface TokenRouteDeps {
  readonly access: AccessPolicy;
  readonly signer: RegistryTokenSigner;
}

/** `GET /auth/token?service=…&scope=…` (Docker token flow); anonymous callers get public pulls only. */
export function tokenRoutes(deps: TokenRouteDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.setErrorHandler(ociErrorHandler);
    app.get('/auth/token', async (request, reply) => {
      let principal: Principal;
      try {
        principal = await deps.access.authenticate(request);
      } catch (err: unknown) {
        if (err instanceof UnauthorizedError) reply.header('www-authenticate', `Basic realm="${TOKEN_SERVICE}"`);
        throw err;
      }
      const q = request.query as Record<string, unknown>;
      const raw = q.scope === undefined ? [] : Array.isArray(q.scope) ? q.scope : [q.scope];
      const scopes = raw.flatMap((s) => (typeof s === 'string' ? s.split(' ') : [])).filter((s) => s !== '').slice(0, MAX_SCOPES);
      const access: AccessClaim[] = [];
      for (const s of scopes) {
        const parsed = parseScope(s);
        if (!parsed) continue;
        if (parsed.type === 'registry' && parsed.name === 'catalog') {
          access.push({ type: 'registry', name: 'catalog', actions: ['*'] });
          continue;
        }
        if (parsed.type !== 'repository') continue;
        const wanted = parsed.actions.includes('*') ? KNOWN_ACTIONS : KNOWN_ACTIONS.filter((a) => parsed.actions.includes(a));
        const granted = await deps.access.grantedActions(principal, parsed.name, wanted);
        if (granted.length > 0) access.push({ type: 'repository', name: parsed.name, actions: [...granted] });
      }
      const subject = principal.kind === 'user' ? principal.name : '';
      const { token, issuedAt } = deps.signer.sign(subject, access);
      reply.header('cache-control', 'no-store');
      return { token, access_token: token, expires_in: deps.signer.lifetimeSeconds, issued_at: issuedAt };
    });
  };
}
