/**
 * Serves the web UI (the Vite build in dist/web) at `/`: hashed assets are cached forever, index.html never,
 * and any other GET for a page path falls back to index.html so client-side routes survive a reload.
 * Also answers `GET /api/v1/ui-config`, the few runtime settings the UI reads (e.g. the "Report a problem" link).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** dist/web next to this compiled file's dist/server folder; the same path from src/ when run by tests via tsx/vitest. */
export const defaultWebRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'web');

/**
 * Headers for the HTML page: the bundle has no inline script or style, so the policy can forbid both,
 * which blunts script injection through any data the UI displays (advisory text, annotations).
 */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/** Paths owned by other surfaces: a miss there is a real 404, never the SPA page. */
const RESERVED_PREFIXES = ['/v2', '/api', '/auth', '/metrics', '/healthz'];

export interface UiConfig {
  /** Target of the footer's "Report a problem" link; the link is hidden when unset. */
  readonly reportProblemUrl?: string;
}

export interface WebUiOptions {
  /** Folder holding index.html and assets/ (default: dist/web of this package). */
  readonly root?: string;
  readonly uiConfig?: UiConfig;
}

/** UI settings from the environment (CROWSNEST_REPORT_PROBLEM_URL); only http(s) and mailto URLs are accepted. */
export function uiConfigFromEnv(env: NodeJS.ProcessEnv): UiConfig {
  const url = env.CROWSNEST_REPORT_PROBLEM_URL;
  if (url === undefined || url === '' || !/^(https?:\/\/|mailto:)/i.test(url)) return {};
  return { reportProblemUrl: url };
}

export function isReservedPath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return RESERVED_PREFIXES.some((prefix) => path === prefix || path.startsWith(prefix + '/'));
}

/**
 * Registers the UI on `app` itself (not an encapsulated child) because the SPA fallback must be the
 * root not-found handler; call it after the other surfaces so their prefixes keep their own 404s.
 */
export async function registerWebUi(app: FastifyInstance, opts: WebUiOptions = {}): Promise<void> {
  const root = opts.root ?? defaultWebRoot;
  const uiConfig = opts.uiConfig ?? {};
  const built = existsSync(join(root, 'index.html'));

  app.get('/api/v1/ui-config', async (_request, reply) => reply.header('cache-control', 'no-cache').send(uiConfig));

  if (built) {
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      // One route per built file: a wildcard route would shadow the 404s of /api/v1 and /auth.
      wildcard: false,
      index: ['index.html'],
      cacheControl: false,
      setHeaders: (res, path) => {
        // Vite names everything under assets/ by content hash, so those never change.
        const immutable = path.startsWith(join(root, 'assets') + '/');
        res.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
        res.setHeader('x-content-type-options', 'nosniff');
        if (path.endsWith('.html')) for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) res.setHeader(name, value);
      },
    });
  } else {
    app.log.warn({ root }, 'web UI not built (npm run build); serving the API only');
  }

  app.setNotFoundHandler(async (request: FastifyRequest, reply: FastifyReply) => {
    const wantsPage = (request.method === 'GET' || request.method === 'HEAD') && !isReservedPath(request.url);
    if (built && wantsPage) {
      return reply.header('cache-control', 'no-cache').headers(PAGE_SECURITY_HEADERS).sendFile('index.html', root);
    }
    return reply.status(404).send({ error: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}` });
  });
}
