/**
 * Who is calling and what they may do to a repository. Every HTTP surface (/v2, /api/v1, the UI)
 * asks the one AccessPolicy in the app context; the accounts module provides the real policy, and
 * `openAccessPolicy` is the single-user mode used until then and in tests of unrelated features.
 */
import type { FastifyRequest } from 'fastify';

/** Registry scope actions (Docker token flow) plus `admin` (configure the repository). */
export type RepositoryAction = 'pull' | 'push' | 'delete' | 'admin';

/** Rights carried by a registry bearer token (`access` claim): they cap what the caller may do. */
export type GrantedScopes = ReadonlyMap<string, readonly RepositoryAction[]>;

export type Principal =
  | { readonly kind: 'anonymous'; readonly registryGrants?: GrantedScopes }
  | {
      readonly kind: 'user';
      readonly name: string;
      readonly siteAdmin: boolean;
      /** Set when the caller authenticated with a personal access token: the token's scope caps its rights. */
      readonly tokenScope?: 'read' | 'read-write' | 'admin';
      readonly registryGrants?: GrantedScopes;
    };

export interface AccessPolicy {
  /** The caller of `request`; throws UnauthorizedError for credentials that are present but wrong. */
  authenticate(request: FastifyRequest): Promise<Principal>;
  /** The subset of `actions` that `principal` holds on `repository` ("ns/name"). */
  grantedActions(principal: Principal, repository: string, actions: readonly RepositoryAction[]): Promise<readonly RepositoryAction[]>;
}

export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** Everyone may do everything: the registry before accounts exist. Never used once accounts are wired. */
export const openAccessPolicy: AccessPolicy = {
  authenticate: () => Promise.resolve(ANONYMOUS),
  grantedActions: (_principal, _repository, actions) => Promise.resolve([...actions]),
};
