/**
 * The one error writer for /v2: translates any thrown value into the OCI error envelope
 * `{errors:[{code,message,detail}]}` using the spec's code table. Unknown errors become a
 * generic 500 without internal details (they are logged instead).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, RangeInvalidError } from '../core/errors.js';

/** Codes of the distribution spec (plus the two distribution-compatible extras clients know). */
export const OCI_ERROR_CODES: ReadonlySet<string> = new Set([
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
  'TOOMANYREQUESTS',
  'TAG_INVALID',
  'PAGINATION_NUMBER_INVALID',
]);

/** A blob GET whose Range starts past the end (416 with `Content-Range: bytes *\/size`). */
export class RangeNotSatisfiableError extends AppError {
  readonly size: number;
  constructor(size: number) {
    super('SIZE_INVALID', 416, 'requested range not satisfiable', { details: { size } });
    this.size = size;
  }
}

export interface OciErrorBody {
  readonly errors: readonly { readonly code: string; readonly message: string; readonly detail: unknown }[];
}

export interface TranslatedError {
  readonly status: number;
  readonly body: OciErrorBody;
  readonly headers: Readonly<Record<string, string>>;
  /** Whether this was an unexpected failure worth an error log. */
  readonly internal: boolean;
}

function fastifyStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const s = (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' && s >= 400 && s < 500 ? s : undefined;
}

export function translateError(err: unknown): TranslatedError {
  if (err instanceof AppError) {
    const code = OCI_ERROR_CODES.has(err.code) ? err.code : err.status === 404 ? 'NAME_UNKNOWN' : 'UNSUPPORTED';
    const headers: Record<string, string> = {};
    if (err instanceof RangeInvalidError) headers.range = `0-${Math.max(err.currentSize - 1, 0)}`;
    if (err instanceof RangeNotSatisfiableError) headers['content-range'] = `bytes */${err.size}`;
    return {
      status: err.status,
      body: { errors: [{ code, message: err.message, detail: err.details ?? null }] },
      headers,
      internal: err.status >= 500,
    };
  }
  const status = fastifyStatus(err);
  if (status !== undefined) {
    const code = status === 413 ? 'SIZE_INVALID' : status === 415 ? 'MANIFEST_INVALID' : 'UNSUPPORTED';
    const message = err instanceof Error ? err.message : 'bad request';
    return { status, body: { errors: [{ code, message, detail: null }] }, headers: {}, internal: false };
  }
  return {
    status: 500,
    body: { errors: [{ code: 'UNKNOWN', message: 'internal server error', detail: null }] },
    headers: {},
    internal: true,
  };
}

/** Fastify error handler for the /v2 scope. */
export function ociErrorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const t = translateError(err);
  if (t.internal) request.log.error({ err }, 'registry request failed');
  else request.log.debug({ code: t.body.errors[0]?.code }, 'registry request rejected');
  void reply
    .code(t.status)
    .headers({ ...t.headers, 'docker-distribution-api-version': 'registry/2.0' })
    .type('application/json')
    .send(t.body);
}
