/**
 * The one check API routes make before touching a repository: authenticate, then require an
 * action. A caller who may not even read the repository gets 404 (its existence is not leaked);
 * one who may read but lacks the action gets 403; an anonymous caller gets 401.
 */
import type { FastifyRequest } from 'fastify';
import { DeniedError, NotFoundError, UnauthorizedError } from '../core/errors.js';
import type { AccessPolicy, Principal, RepositoryAction } from './access-policy.js';

export async function requireRepositoryAccess(
  access: AccessPolicy,
  request: FastifyRequest,
  repository: string,
  action: RepositoryAction,
): Promise<Principal> {
  const principal = await access.authenticate(request);
  const wanted: RepositoryAction[] = action === 'pull' ? ['pull'] : ['pull', action];
  const granted = await access.grantedActions(principal, repository, wanted);
  if (granted.includes(action)) return principal;
  if (principal.kind === 'anonymous') throw new UnauthorizedError();
  if (!granted.includes('pull')) throw new NotFoundError(`repository ${repository}`);
  throw new DeniedError();
}
