/**
 * Credentials for pulling `registry:` targets (scan and sbom in CI pipelines): the
 * CROWSNEST_REGISTRY_USERNAME / CROWSNEST_REGISTRY_PASSWORD variables first, then the
 * entries `docker login` and `podman login` write (Docker's config.json, containers auth.json).
 * Credential helpers (`credsStore`) are not run: that would execute programs named by a file.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

const MAX_AUTH_FILE_BYTES = 1024 * 1024;

function authFiles(env: NodeJS.ProcessEnv): string[] {
  const files: string[] = [];
  if (env.REGISTRY_AUTH_FILE) files.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  files.push(join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json'));
  return files;
}

function fromAuthFile(path: string, host: string): BasicCredentials | undefined {
  let doc: unknown;
  try {
    const text = readFileSync(path, 'utf8');
    if (text.length > MAX_AUTH_FILE_BYTES) return undefined;
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const auths = (doc as { auths?: Record<string, { auth?: unknown }> } | null)?.auths;
  if (auths === undefined || typeof auths !== 'object') return undefined;
  const entry = auths[host] ?? auths[`http://${host}`] ?? auths[`https://${host}`];
  if (typeof entry?.auth !== 'string') return undefined;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The credentials to use for `host` (HOST[:PORT]), or undefined to pull anonymously. */
export function registryCredentials(host: string, env: NodeJS.ProcessEnv = process.env): BasicCredentials | undefined {
  const username = env.CROWSNEST_REGISTRY_USERNAME;
  const password = env.CROWSNEST_REGISTRY_PASSWORD;
  if (username && password !== undefined) return { username, password };
  for (const file of authFiles(env)) {
    const found = fromAuthFile(file, host);
    if (found) return found;
  }
  return undefined;
}

export function basicAuthorization(c: BasicCredentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}
