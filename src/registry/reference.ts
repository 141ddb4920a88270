/**
 * Grammar of the distribution spec: repository names, tags, and the path layout under /v2/.
 * Names may have several components (`a/b/c`), so paths are matched right to left: the last
 * `/manifests/`, `/blobs/`, `/tags/list` or `/referrers/` segment decides the endpoint.
 */

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** The spec leaves the limit to registries; distribution uses 255 for host plus name. */
export const MAX_NAME_LENGTH = 255;

export function isValidRepositoryName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME_LENGTH && NAME.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** One endpoint under /v2/<name>/…; `name` is not yet validated. */
export type RegistryTarget =
  | { readonly kind: 'tags'; readonly name: string }
  | { readonly kind: 'manifest'; readonly name: string; readonly reference: string }
  | { readonly kind: 'blob'; readonly name: string; readonly digest: string }
  | { readonly kind: 'upload'; readonly name: string; readonly id: string | undefined }
  | { readonly kind: 'referrers'; readonly name: string; readonly digest: string };

const PATTERNS: readonly [RegExp, (m: RegExpExecArray) => RegistryTarget][] = [
  [/^(.+)\/tags\/list$/, (m) => ({ kind: 'tags', name: m[1] ?? '' })],
  [/^(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: 'manifest', name: m[1] ?? '', reference: m[2] ?? '' })],
  [/^(.+)\/blobs\/uploads\/([^/]*)$/, (m) => ({ kind: 'upload', name: m[1] ?? '', id: m[2] === '' ? undefined : m[2] })],
  [/^(.+)\/blobs\/uploads$/, (m) => ({ kind: 'upload', name: m[1] ?? '', id: undefined })],
  [/^(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1] ?? '', digest: m[2] ?? '' })],
  [/^(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: 'referrers', name: m[1] ?? '', digest: m[2] ?? '' })],
];

/** Parses the part of the path after `/v2/` (no query string); `undefined` when no endpoint matches. */
export function parseRegistryPath(path: string): RegistryTarget | undefined {
  for (const [re, build] of PATTERNS) {
    const m = re.exec(path);
    if (m) return build(m);
  }
  return undefined;
}
