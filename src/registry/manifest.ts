/**
 * Pure parsing and validation of the four manifest media types (OCI image manifest and index,
 * Docker schema2 manifest and manifest list). Malformed input is reported as an AppError value,
 * never thrown, so the service decides how to answer.
 */
import { parseDigest, type Digest } from '../core/digest.js';
import { AppError, ManifestInvalidError } from '../core/errors.js';

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

const IMAGE_TYPES: ReadonlySet<string> = new Set([MediaType.ociManifest, MediaType.dockerManifest]);
const INDEX_TYPES: ReadonlySet<string> = new Set([MediaType.ociIndex, MediaType.dockerList]);
/** Bounds for hostile input; far above anything real clients produce. */
const MAX_DESCRIPTORS = 10_000;

export interface ParsedDescriptor {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly size: number;
  /** Foreign / non-distributable layers carry URLs and need not be in the registry. */
  readonly urls?: readonly string[];
}

export interface ParsedManifest {
  readonly kind: 'image' | 'index';
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly config?: ParsedDescriptor;
  readonly layers: readonly ParsedDescriptor[];
  readonly manifests: readonly ParsedDescriptor[];
  readonly subject?: ParsedDescriptor;
  readonly annotations?: Readonly<Record<string, string>>;
}

export class UnsupportedManifestTypeError extends AppError {
  constructor(mediaType: string) {
    super('MANIFEST_INVALID', 415, `unsupported manifest media type: ${mediaType || '(none)'}`, { details: { mediaType } });
  }
}

export type ParseResult = { readonly ok: true; readonly manifest: ParsedManifest } | { readonly ok: false; readonly error: AppError };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Strips parameters (`; charset=…`) and case from a Content-Type header. */
export function bareContentType(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const bare = value.split(';')[0]?.trim().toLowerCase();
  return bare === '' ? undefined : bare;
}

function descriptor(v: unknown, where: string): ParsedDescriptor | string {
  if (!isObject(v)) return `${where} is not an object`;
  const { mediaType, digest, size, urls } = v;
  if (typeof mediaType !== 'string' || mediaType === '') return `${where}.mediaType missing`;
  if (typeof digest !== 'string') return `${where}.digest missing`;
  const parsed = parseDigest(digest);
  if (!parsed) return `${where}.digest "${digest}" is not a supported digest`;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return `${where}.size invalid`;
  const out: ParsedDescriptor = { mediaType, digest: parsed.digest, size };
  if (Array.isArray(urls) && urls.length > 0 && urls.every((u) => typeof u === 'string')) {
    return { ...out, urls: urls as string[] };
  }
  return out;
}

function descriptorList(v: unknown, where: string): ParsedDescriptor[] | string {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return `${where} is not an array`;
  if (v.length > MAX_DESCRIPTORS) return `${where} has more than ${MAX_DESCRIPTORS} entries`;
  const out: ParsedDescriptor[] = [];
  for (let i = 0; i < v.length; i++) {
    const d = descriptor(v[i], `${where}[${i}]`);
    if (typeof d === 'string') return d;
    out.push(d);
  }
  return out;
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

/**
 * Parses manifest bytes. The media type comes from the `mediaType` field, else from the request's
 * Content-Type (umoci and some older tools omit the field), else from the document's shape.
 */
export function parseManifest(body: Uint8Array, contentType: string | undefined): ParseResult {
  const fail = (message: string): ParseResult => ({ ok: false, error: new ManifestInvalidError(message) });
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return fail('manifest is not valid JSON');
  }
  if (!isObject(doc)) return fail('manifest is not a JSON object');
  if (doc.schemaVersion !== 2) return fail('schemaVersion must be 2');

  const header = bareContentType(contentType);
  const known = (t: string | undefined): t is string => t !== undefined && (IMAGE_TYPES.has(t) || INDEX_TYPES.has(t));
  let mediaType: string;
  if (doc.mediaType !== undefined) {
    if (typeof doc.mediaType !== 'string') return fail('mediaType must be a string');
    mediaType = doc.mediaType;
    if (!known(mediaType)) return { ok: false, error: new UnsupportedManifestTypeError(mediaType) };
    if (known(header) && header !== mediaType) return fail(`mediaType ${mediaType} does not match Content-Type ${header}`);
  } else if (known(header)) {
    mediaType = header;
  } else if (header !== undefined && header !== 'application/json' && header !== 'application/octet-stream') {
    return { ok: false, error: new UnsupportedManifestTypeError(header) };
  } else if (Array.isArray(doc.manifests)) {
    mediaType = MediaType.ociIndex;
  } else if (isObject(doc.config)) {
    mediaType = MediaType.ociManifest;
  } else {
    return { ok: false, error: new UnsupportedManifestTypeError(header ?? '') };
  }

  const artifactType = doc.artifactType;
  if (artifactType !== undefined && typeof artifactType !== 'string') return fail('artifactType must be a string');
  let subject: ParsedDescriptor | undefined;
  if (doc.subject !== undefined) {
    const s = descriptor(doc.subject, 'subject');
    if (typeof s === 'string') return fail(s);
    subject = s;
  }
  const annotations = stringMap(doc.annotations);
  const common = {
    mediaType,
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(subject ? { subject } : {}),
    ...(annotations ? { annotations } : {}),
  };

  if (IMAGE_TYPES.has(mediaType)) {
    if (doc.manifests !== undefined) return fail('an image manifest must not have "manifests"');
    const config = descriptor(doc.config, 'config');
    if (typeof config === 'string') return fail(config);
    if (doc.layers === undefined && mediaType === MediaType.dockerManifest) return fail('layers missing');
    const layers = descriptorList(doc.layers, 'layers');
    if (typeof layers === 'string') return fail(layers);
    return { ok: true, manifest: { kind: 'image', ...common, config, layers, manifests: [] } };
  }
  if (doc.config !== undefined || doc.layers !== undefined) return fail('an index must not have "config" or "layers"');
  const manifests = descriptorList(doc.manifests, 'manifests');
  if (typeof manifests === 'string') return fail(manifests);
  return { ok: true, manifest: { kind: 'index', ...common, layers: [], manifests } };
}
