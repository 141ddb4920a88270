/**
 * Shared plumbing for the end-to-end client tests: run a client program with a bounded timeout and
 * captured output, decide whether a suite can run (tools present, target server startable), and read
 * manifests straight from the registry over HTTP to compare digests independently of the clients.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { findTool, hasTools } from './tools.js';
import { canStartRegistry, clientAuthEnv, E2E_ADMIN_AUTH, e2eTarget } from './registry-process.js';

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs `tool` (resolved through findTool), logged in to the registries started here, and rejects with its output on a non-zero exit. */
export function run(
  tool: string,
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: Buffer; cwd?: string } = {},
): Promise<RunResult> {
  const bin = findTool(tool) ?? tool;
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      [...args],
      { env: { ...process.env, ...clientAuthEnv(), ...opts.env }, cwd: opts.cwd, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${tool} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
    if (opts.input) child.stdin?.end(opts.input);
  });
}

/**
 * Whether a client suite can run: its tools exist (CI fails when not) and the target server can start.
 * Crowsnest needs `npm run build` output; without it the suite skips unless tools are required (CI).
 */
export function canRunE2E(...tools: string[]): boolean {
  if (!hasTools(...tools)) return false;
  const target = e2eTarget();
  if (canStartRegistry(target)) return true;
  if (process.env.CROWSNEST_REQUIRE_TOOLS === '1') {
    throw new Error(`cannot start ${target} for end-to-end tests (run npm run build first)`);
  }
  console.warn(`skipping: cannot start ${target} (build dist/ with npm run build)`);
  return false;
}

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

/** GETs a manifest and returns its bytes' digest, the Docker-Content-Digest header and content type. */
export async function fetchManifest(
  baseUrl: string,
  repo: string,
  ref: string,
): Promise<{ status: number; digest: string; header: string | null; contentType: string | null; body: Buffer }> {
  const res = await fetch(`${baseUrl}/v2/${repo}/manifests/${ref}`, { headers: { Accept: MANIFEST_ACCEPT, Authorization: E2E_ADMIN_AUTH } });
  const body = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    digest: `sha256:${createHash('sha256').update(body).digest('hex')}`,
    header: res.headers.get('docker-content-digest'),
    contentType: res.headers.get('content-type'),
    body,
  };
}

/** Tags of `repo` via the tags list API (empty when the repository is unknown). */
export async function listTags(baseUrl: string, repo: string): Promise<string[]> {
  const res = await fetch(`${baseUrl}/v2/${repo}/tags/list`, { headers: { Authorization: E2E_ADMIN_AUTH } });
  if (res.status !== 200) {
    await res.arrayBuffer();
    return [];
  }
  const json = (await res.json()) as { tags?: string[] | null };
  return json.tags ?? [];
}
