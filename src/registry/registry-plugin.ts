/**
 * The OCI Distribution API under /v2/, as one encapsulated Fastify plugin. Routes are thin:
 * parse the path right to left (names have several components), decide the access the request
 * needs, run the guards (the auth issue plugs in here, in front of every route), then call a
 * service. Bodies are never parsed by Fastify: uploads stream from the raw request.
 */
import type { IncomingMessage } from 'node:http';
import { sendFileRegion } from '../server/send-file-region.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, BlobTooLargeError, NameInvalidError, NotFoundError, RangeInvalidError, UnsupportedError } from '../core/errors.js';
import { MediaType } from './manifest.js';
import { ociErrorHandler, RangeNotSatisfiableError } from './oci-errors.js';
import { isValidRepositoryName, parseRegistryPath, type RegistryTarget } from './reference.js';
import type { ManifestService } from './services/manifest-service.js';
import { requireDigest, type UploadService } from './services/upload-service.js';

export type RegistryAction = 'pull' | 'push' | 'delete';

export interface RegistryScope {
  readonly repository: string;
  readonly actions: readonly RegistryAction[];
}

/** What a request wants to do; guards decide whether the caller may. */
export interface RegistryAccess {
  /** Metrics/log label: base, catalog, blob, upload, manifest, tags, referrers. */
  readonly endpoint: string;
  /** Repository scopes needed (empty for the base endpoint; the catalog lists names only). */
  readonly scopes: readonly RegistryScope[];
}

/** Runs before every /v2 route; throws an AppError (UNAUTHORIZED, DENIED, …) to refuse. */
export type RegistryGuard = (request: FastifyRequest, reply: FastifyReply, access: RegistryAccess) => Promise<void>;

export interface RegistryPluginOptions {
  readonly uploads: UploadService;
  readonly manifests: ManifestService;
  readonly guards?: readonly RegistryGuard[];
  /** Keeps the catalog names the caller may see (all when absent). */
  readonly catalogFilter?: (request: FastifyRequest, names: readonly string[]) => Promise<string[]>;
  /** Whether the caller may mount blobs from `source` (any when absent); refused mounts become uploads. */
  readonly mountAllowed?: (request: FastifyRequest, source: string) => Promise<boolean>;
  /** Absolute base for Location headers; relative locations otherwise (clients resolve them). */
  readonly publicUrl?: string;
  readonly maxManifestBytes: number;
  /** Body bytes the registry received (uploads, manifests). */
  readonly onBytesIn?: (bytes: number) => void;
}

declare module 'fastify' {
  interface FastifyRequest {
    registryAccess: RegistryAccess | null;
  }
}

const MAX_PAGE = 10_000;
const API_VERSION = 'registry/2.0';

function actionsFor(method: string): RegistryAction[] {
  if (method === 'GET' || method === 'HEAD') return ['pull'];
  if (method === 'DELETE') return ['delete'];
  return ['pull', 'push'];
}

function query(request: FastifyRequest): Record<string, string | undefined> {
  const q = request.query as Record<string, unknown>;
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(q ?? {})) out[k] = Array.isArray(v) ? String(v[0]) : typeof v === 'string' ? v : undefined;
  return out;
}

function pageOf(request: FastifyRequest): { limit: number; after?: string; explicit: boolean } {
  const q = query(request);
  let limit = MAX_PAGE;
  if (q.n !== undefined) {
    if (!/^\d+$/.test(q.n)) throw new AppError('PAGINATION_NUMBER_INVALID', 400, `invalid page size n=${q.n}`);
    limit = Math.min(Number(q.n), MAX_PAGE);
  }
  return { limit, explicit: q.n !== undefined, ...(q.last !== undefined && q.last !== '' ? { after: q.last } : {}) };
}

/** Content-Range of a chunk: "start-end" (also tolerated: "bytes start-end/total", "bytes=start-end"). */
function parseContentRange(value: string | undefined): { start: number; end: number } | undefined | 'invalid' {
  if (value === undefined) return undefined;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(value.trim());
  if (!m) return 'invalid';
  const start = Number(m[1]);
  const end = Number(m[2]);
  return end + 1 < start ? 'invalid' : { start, end };
}

/** Range of a blob GET: bytes=a-b, bytes=a-, bytes=-n; multiple ranges are served whole. */
function parseRange(value: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(size - n, 0), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

function hasBody(raw: IncomingMessage): boolean {
  const len = raw.headers['content-length'];
  return raw.headers['transfer-encoding'] !== undefined || (len !== undefined && len !== '0');
}

async function readLimited(raw: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(raw.headers['content-length'] ?? NaN);
  if (declared > limit) throw new BlobTooLargeError(limit);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of raw) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > limit) throw new BlobTooLargeError(limit);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function rangeHeader(size: number): string {
  return `0-${Math.max(size - 1, 0)}`;
}

export async function registryPlugin(app: FastifyInstance, opts: RegistryPluginOptions): Promise<void> {
  const { uploads, manifests } = opts;
  const guards = opts.guards ?? [];
  const base = opts.publicUrl ?? '';
  const bytesIn = opts.onBytesIn ?? (() => undefined);

  app.decorateRequest('registryAccess', null);
  app.setErrorHandler(ociErrorHandler);
  // Bodies stay raw streams: blobs may be gigabytes and manifests must be hashed byte for byte.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('docker-distribution-api-version', API_VERSION);
    const url = request.routeOptions.url;
    let access: RegistryAccess;
    if (url === '/v2/' || url === '/v2') {
      access = { endpoint: 'base', scopes: [] };
    } else if (url === '/v2/_catalog') {
      access = { endpoint: 'catalog', scopes: [] };
    } else {
      const target = targetOf(request);
      const scopes: RegistryScope[] = [{ repository: target.name, actions: actionsFor(request.method) }];
      if (target.kind === 'upload' && target.id === undefined) {
        const from = query(request).from;
        if (from !== undefined && query(request).mount !== undefined && isValidRepositoryName(from) && from !== target.name) {
          scopes.push({ repository: from, actions: ['pull'] });
        }
      }
      access = { endpoint: target.kind, scopes };
    }
    request.registryAccess = access;
    for (const guard of guards) await guard(request, reply, access);
  });

  function targetOf(request: FastifyRequest): RegistryTarget {
    const path = (request.params as { '*'?: string })['*'] ?? '';
    const target = parseRegistryPath(path);
    if (!target) throw new NotFoundError(`endpoint /v2/${path}`);
    if (!isValidRepositoryName(target.name)) throw new NameInvalidError(target.name);
    return target;
  }

  const baseHandler = async (_request: FastifyRequest, reply: FastifyReply) => reply.type('application/json').send({});
  app.get('/v2/', baseHandler);
  app.get('/v2', baseHandler);

  app.get('/v2/_catalog', async (request, reply) => {
    const page = pageOf(request);
    const { repositories, more } = page.limit === 0 ? { repositories: [], more: false } : await manifests.catalog(page);
    if (opts.catalogFilter) {
      const visible = await opts.catalogFilter(request, repositories);
      const lastSeen = repositories[repositories.length - 1];
      // The link continues after the last name examined, so hidden names never shorten later pages.
      if (more && lastSeen !== undefined) reply.header('link', `</v2/_catalog?n=${page.limit}&last=${encodeURIComponent(lastSeen)}>; rel="next"`);
      return reply.type('application/json').send({ repositories: visible });
    }
    const last = repositories[repositories.length - 1];
    if (more && last !== undefined) reply.header('link', `</v2/_catalog?n=${page.limit}&last=${encodeURIComponent(last)}>; rel="next"`);
    return reply.type('application/json').send({ repositories });
  });

  app.route({
    method: ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'],
    url: '/v2/*',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const target = targetOf(request);
      switch (target.kind) {
        case 'blob':
          return blob(request, reply, target.name, target.digest);
        case 'upload':
          return upload(request, reply, target.name, target.id);
        case 'manifest':
          return manifest(request, reply, target.name, target.reference);
        case 'tags':
          return tags(request, reply, target.name);
        case 'referrers':
          return referrers(request, reply, target.name, target.digest);
      }
    },
  });

  function notAllowed(method: string): never {
    throw new UnsupportedError(`method ${method} not allowed on this endpoint`);
  }

  async function blob(request: FastifyRequest, reply: FastifyReply, name: string, digestText: string) {
    const digest = requireDigest(digestText);
    if (request.method === 'DELETE') {
      await uploads.deleteBlob(name, digest);
      return reply.code(202).header('content-length', '0').send();
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') notAllowed(request.method);
    const info = await uploads.stat(name, digest);
    reply.headers({
      'docker-content-digest': digest,
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      etag: `"${digest}"`,
      'cache-control': 'max-age=31536000',
    });
    const range = parseRange(request.headers.range, info.size);
    if (range === 'unsatisfiable') throw new RangeNotSatisfiableError(info.size);
    if (request.method === 'HEAD') {
      if (range) {
        return reply
          .code(206)
          .headers({ 'content-range': `bytes ${range.start}-${range.end}/${info.size}`, 'content-length': String(range.end - range.start + 1) })
          .send();
      }
      return reply.header('content-length', String(info.size)).send();
    }
    const redirect = await uploads.redirectUrl(digest);
    if (redirect !== undefined) {
      // The bytes come straight from object storage; the digest headers stay for clients that check them.
      return reply.code(307).removeHeader('cache-control').headers({ location: redirect, 'content-length': '0' }).send();
    }
    const { body } = await uploads.open(name, digest, range ? { start: range.start, endInclusive: range.end } : undefined);
    const status = range ? 206 : 200;
    const headers: Record<string, string> = range
      ? { 'content-range': `bytes ${range.start}-${range.end}/${info.size}`, 'content-length': String(range.end - range.start + 1) }
      : { 'content-length': String(info.size) };
    if (body.kind === 'file') return sendFileRegion(reply, body, status, headers);
    return reply.code(status).headers(headers).send(body.stream);
  }

  function uploadHeaders(reply: FastifyReply, name: string, id: string, size: number): FastifyReply {
    return reply.headers({
      location: `${base}/v2/${name}/blobs/uploads/${id}`,
      range: rangeHeader(size),
      'docker-upload-uuid': id,
      'content-length': '0',
    });
  }

  function created(reply: FastifyReply, name: string, digest: string): FastifyReply {
    return reply.code(201).headers({ location: `${base}/v2/${name}/blobs/${digest}`, 'docker-content-digest': digest, 'content-length': '0' });
  }

  async function upload(request: FastifyRequest, reply: FastifyReply, name: string, id: string | undefined) {
    const q = query(request);
    if (id === undefined) {
      if (request.method !== 'POST') notAllowed(request.method);
      if (q.mount !== undefined) {
        const digest = requireDigest(q.mount);
        const from = q.from !== undefined && isValidRepositoryName(q.from) ? q.from : undefined;
        const allowed = opts.mountAllowed;
        const mounted = await uploads.mount(name, digest, q.from === undefined ? undefined : (from ?? ''), allowed && ((source) => allowed(request, source)));
        if (mounted) return created(reply, name, digest).send();
      } else if (q.digest !== undefined) {
        const digest = requireDigest(q.digest);
        const info = await uploads.putMonolithic(name, digest, request.raw);
        bytesIn(info.size);
        return created(reply, name, digest).send();
      }
      const started = await uploads.start(name);
      return uploadHeaders(reply.code(202), name, started.id, 0).send();
    }
    switch (request.method) {
      case 'GET': {
        const status = await uploads.status(name, id);
        return uploadHeaders(reply.code(204), name, id, status.size).send();
      }
      case 'PATCH': {
        const range = parseContentRange(request.headers['content-range']);
        if (range === 'invalid') throw new RangeInvalidError((await uploads.status(name, id)).size, 'malformed Content-Range');
        const before = range ? range.start : (await uploads.status(name, id)).size;
        const status = await uploads.append(name, id, request.raw, range);
        bytesIn(status.size - before);
        return uploadHeaders(reply.code(202), name, id, status.size).send();
      }
      case 'PUT': {
        const digest = requireDigest(q.digest);
        let last: { body: IncomingMessage; range?: { start: number; end: number } } | undefined;
        if (hasBody(request.raw)) {
          const range = parseContentRange(request.headers['content-range']);
          if (range === 'invalid') throw new RangeInvalidError((await uploads.status(name, id)).size, 'malformed Content-Range');
          last = { body: request.raw, ...(range ? { range } : {}) };
        }
        const info = await uploads.finish(name, id, digest, last);
        return created(reply, name, info.digest).send();
      }
      case 'DELETE':
        await uploads.cancel(name, id);
        return reply.code(204).send();
      default:
        return notAllowed(request.method);
    }
  }

  async function manifest(request: FastifyRequest, reply: FastifyReply, name: string, reference: string) {
    switch (request.method) {
      case 'GET':
      case 'HEAD': {
        if (request.method === 'HEAD') {
          const m = await manifests.resolve(name, reference);
          return reply
            .headers({ 'content-type': m.mediaType, 'docker-content-digest': m.digest, 'content-length': String(m.size), etag: `"${m.digest}"` })
            .send();
        }
        const { manifest: m, body } = await manifests.get(name, reference);
        return reply
          .headers({ 'content-type': m.mediaType, 'docker-content-digest': m.digest, 'content-length': String(body.length), etag: `"${m.digest}"` })
          .send(body);
      }
      case 'PUT': {
        const body = await readLimited(request.raw, opts.maxManifestBytes);
        bytesIn(body.length);
        const result = await manifests.put(name, reference, body, request.headers['content-type']);
        reply.code(201).headers({
          location: `${base}/v2/${name}/manifests/${result.digest}`,
          'docker-content-digest': result.digest,
          'content-length': '0',
        });
        if (result.subject !== undefined) reply.header('oci-subject', result.subject);
        return reply.send();
      }
      case 'DELETE':
        await manifests.delete(name, reference);
        return reply.code(202).header('content-length', '0').send();
      default:
        return notAllowed(request.method);
    }
  }

  async function tags(request: FastifyRequest, reply: FastifyReply, name: string) {
    if (request.method !== 'GET' && request.method !== 'HEAD') notAllowed(request.method);
    const page = pageOf(request);
    const result = await manifests.listTags(name, page.limit === 0 ? { ...page, limit: 0 } : page);
    const last = result.tags[result.tags.length - 1];
    if (result.more && last !== undefined) {
      reply.header('link', `</v2/${name}/tags/list?n=${page.limit}&last=${encodeURIComponent(last)}>; rel="next"`);
    }
    return reply.type('application/json').send({ name, tags: result.tags });
  }

  async function referrers(request: FastifyRequest, reply: FastifyReply, name: string, digestText: string) {
    if (request.method !== 'GET' && request.method !== 'HEAD') notAllowed(request.method);
    const digest = requireDigest(digestText);
    const artifactType = query(request).artifactType;
    const filter = artifactType !== undefined && artifactType !== '' ? artifactType : undefined;
    const list = await manifests.referrers(name, digest, filter);
    if (filter !== undefined) reply.header('oci-filters-applied', 'artifactType');
    // A Buffer body keeps Fastify from appending "; charset=utf-8", which strict clients reject.
    return reply
      .header('content-type', MediaType.ociIndex)
      .send(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: list })));
  }
}
