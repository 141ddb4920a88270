/**
 * The web session (`POST|GET|DELETE /api/v1/session`): a login with username and password sets an
 * HttpOnly SameSite=Strict cookie; the answer carries the CSRF token cookie-authenticated changes send
 * in X-CSRF-Token (same-origin browser requests with a matching Origin are accepted too).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../core/errors.js';
import type { AccountsStore } from '../accounts/accounts-store.js';
import type { AccountsAccessPolicy } from './accounts-policy.js';
import { cookieValue, SESSION_COOKIE, type Session, type SessionStore } from './sessions.js';

const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

export interface SessionRoutesDeps {
  readonly auth: AccountsAccessPolicy;
  readonly sessions: SessionStore;
  readonly accounts: AccountsStore;
}

function cookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

async function describe(deps: SessionRoutesDeps, session: Session, reply: FastifyReply) {
  const user = await deps.accounts.getUser(session.user);
  if (!user) throw new UnauthorizedError('no session');
  reply.header('cache-control', 'no-store');
  return { user: { name: user.name, siteAdmin: user.siteAdmin }, csrfToken: session.csrfToken, expiresAt: new Date(session.expiresAt).toISOString() };
}

export function sessionRoutes(deps: SessionRoutesDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.post<{ Body: Static<typeof LoginBody> }>('/session', { schema: { body: LoginBody } }, async (request, reply) => {
      const principal = await deps.auth.login(request, request.body.username, request.body.password);
      // A token is no password: sessions start only from the real password.
      if (principal.tokenScope !== undefined) throw new UnauthorizedError('invalid username or password');
      const session = await deps.sessions.create(principal.name);
      reply.header('set-cookie', cookie(request, session.id, Math.floor(deps.sessions.lifetimeMs / 1000)));
      return reply.code(201).send(await describe(deps, session, reply));
    });
    app.get('/session', async (request, reply) => {
      const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
      const session = id === undefined ? undefined : await deps.sessions.get(id);
      if (!session) throw new UnauthorizedError('no session');
      return describe(deps, session, reply);
    });
    app.delete('/session', async (request, reply) => {
      const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
      if (id !== undefined) await deps.sessions.delete(id);
      reply.header('set-cookie', cookie(request, '', 0));
      return reply.code(204).send();
    });
  };
}
