/**
 * The one place the UI talks HTTP: JSON in and out, problem+json errors turned into ApiError, and a 401
 * from any API call sends the user to the sign-in page (except where the caller asks to see it).
 */
import type { SessionUser } from './types.js';

export interface Problem {
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly code?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

type UnauthorizedListener = () => void;
let onUnauthorized: UnauthorizedListener | undefined;
/** The session's CSRF token (from the session endpoints); sent on every change. */
let csrfToken: string | undefined;

/** The app installs this once: it navigates to /sign-in with the current location as `next`. */
export function setUnauthorizedListener(listener: UnauthorizedListener | undefined): void {
  onUnauthorized = listener;
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
  /** Let a 401 reach the caller instead of redirecting (the session probe, the sign-in form). */
  readonly allowUnauthorized?: boolean;
}

async function problemOf(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  try {
    const json = JSON.parse(text) as unknown;
    if (json !== null && typeof json === 'object') {
      const o = json as Record<string, unknown>;
      // problem+json, or the registry's {errors:[{code,message}]} body.
      const first = Array.isArray(o.errors) ? (o.errors[0] as Record<string, unknown> | undefined) : undefined;
      return {
        title: typeof o.title === 'string' ? o.title : undefined,
        status: res.status,
        detail: typeof o.detail === 'string' ? o.detail : typeof first?.message === 'string' ? first.message : undefined,
        code: typeof o.code === 'string' ? o.code : typeof first?.code === 'string' ? first.code : undefined,
      };
    }
  } catch {
    // not JSON
  }
  return { status: res.status, detail: text.slice(0, 300) || res.statusText };
}

/** Raw fetch with the error policy applied; callers that need headers (the /v2 helpers) use this. */
export async function request(path: string, opts: RequestOptions = {}): Promise<Response> {
  // X-Requested-With: a 401 must not come with a Basic challenge (the browser's login dialog).
  const headers: Record<string, string> = { accept: 'application/json', 'x-requested-with': 'XMLHttpRequest', ...opts.headers };
  const method = opts.method ?? 'GET';
  if (csrfToken !== undefined && method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = csrfToken;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(path, {
    method,
    headers,
    body,
    credentials: 'same-origin',
    signal: opts.signal,
  });
  if (res.ok) return res;
  const problem = await problemOf(res);
  if (res.status === 401 && !opts.allowUnauthorized) onUnauthorized?.();
  throw new ApiError(res.status, problem);
}

export async function apiJson<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await request(path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** `/api/v1` + path segments, each URL-encoded (tags and ids may hold characters a path must escape). */
export function apiPath(...segments: readonly string[]): string {
  return '/api/v1/' + segments.map(encodeURIComponent).join('/');
}

export function repoPath(repository: string, ...rest: readonly string[]): string {
  const [ns = '', name = ''] = splitRepository(repository);
  return apiPath('repositories', ns, name, ...rest);
}

/** "ns/name" → [ns, name]; names with more components keep them all in `name`. */
export function splitRepository(repository: string): [string, string] {
  const slash = repository.indexOf('/');
  return slash < 0 ? ['', repository] : [repository.slice(0, slash), repository.slice(slash + 1)];
}

/** What the session endpoints answer (`POST|GET /api/v1/session`). */
interface SessionDocument {
  readonly user: { readonly name: string; readonly siteAdmin?: boolean };
  readonly csrfToken: string;
}

function signedIn(doc: SessionDocument): SessionUser {
  csrfToken = doc.csrfToken;
  return { username: doc.user.name, ...(doc.user.siteAdmin !== undefined ? { siteAdmin: doc.user.siteAdmin } : {}) };
}

/** Session endpoints: an HttpOnly SameSite cookie plus a CSRF token the client sends on changes. */
export const session = {
  current: async (): Promise<SessionUser | undefined> => {
    try {
      return signedIn(await apiJson<SessionDocument>('/api/v1/session', { allowUnauthorized: true }));
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 404)) {
        csrfToken = undefined;
        return undefined;
      }
      throw err;
    }
  },
  signIn: async (username: string, password: string): Promise<SessionUser> =>
    signedIn(await apiJson<SessionDocument>('/api/v1/session', { method: 'POST', body: { username, password }, allowUnauthorized: true })),
  signOut: async (): Promise<void> => {
    try {
      await request('/api/v1/session', { method: 'DELETE', allowUnauthorized: true });
    } finally {
      csrfToken = undefined;
    }
  },
};
