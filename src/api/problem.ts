/**
 * The /api/v1 error edge: every error becomes an RFC 9457 problem+json document. Domain errors
 * (AppError) keep their status and code; Fastify validation errors are 400; anything else is a
 * 500 whose details stay in the log.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly code: string;
}

export function problemFor(error: unknown): Problem {
  if (error instanceof AppError) {
    return { type: 'about:blank', title: error.code, status: error.status, detail: error.message, code: error.code };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation !== undefined || fastifyError.statusCode === 400 || fastifyError.statusCode === 415) {
    const status = fastifyError.statusCode ?? 400;
    return { type: 'about:blank', title: 'VALIDATION', status, detail: fastifyError.message ?? 'invalid request', code: 'VALIDATION' };
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const status = fastifyError.statusCode;
    return { type: 'about:blank', title: 'REQUEST', status, detail: fastifyError.message ?? 'bad request', code: 'REQUEST' };
  }
  return { type: 'about:blank', title: 'INTERNAL', status: 500, detail: 'internal server error', code: 'INTERNAL' };
}

/**
 * A request made by a page's script (the web UI's fetch: browsers mark it with Sec-Fetch-Mode), where a
 * Basic challenge would open the browser's login dialog over the page instead of its sign-in form.
 */
function fromBrowserScript(request: FastifyRequest): boolean {
  const mode = request.headers['sec-fetch-mode'];
  return (mode !== undefined && mode !== 'navigate') || request.headers['x-requested-with'] === 'XMLHttpRequest';
}

export function problemErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const problem = problemFor(error);
  if (problem.status >= 500) request.log.error({ err: error }, 'api request failed');
  if (problem.status === 401 && !fromBrowserScript(request) && !request.url.startsWith('/api/v1/session')) reply.header('WWW-Authenticate', 'Basic realm="crowsnest"');
  return reply.status(problem.status).type('application/problem+json').send(problem);
}
