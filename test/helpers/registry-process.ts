/**
 * Starts a registry server as a child process on a free loopback port and waits until it answers:
 * Crowsnest itself (`bin/crowsnest.js serve`, needs `npm run build` output) or, for development and the
 * benchmark, the CNCF distribution registry (`docker-registry`) as a reference peer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTool } from './tools.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type RegistryKind = 'crowsnest' | 'distribution';

/** The site admin every Crowsnest started here has (first start with CROWSNEST_ADMIN_PASSWORD). */
export const E2E_ADMIN = { username: 'admin', password: 'e2e-admin-password' } as const;
export const E2E_ADMIN_AUTH = `Basic ${Buffer.from(`${E2E_ADMIN.username}:${E2E_ADMIN.password}`).toString('base64')}`;

/** fetch() as the E2E administrator, for tests about something other than permissions. */
export function adminFetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('authorization', E2E_ADMIN_AUTH);
  return fetch(url, { ...init, headers });
}

let clientAuthDir: string | undefined;
const clientAuths: Record<string, { auth: string }> = {};

/**
 * Environment that makes registry clients (docker, crane, oras via DOCKER_CONFIG; skopeo, podman,
 * buildah via REGISTRY_AUTH_FILE) log in as E2E_ADMIN to every registry started here.
 */
export function clientAuthEnv(): NodeJS.ProcessEnv {
  clientAuthDir ??= mkdtempSync(join(tmpdir(), 'e2e-client-auth-'));
  const file = join(clientAuthDir, 'config.json');
  writeFileSync(file, JSON.stringify({ auths: clientAuths }), { mode: 0o600 });
  return { DOCKER_CONFIG: clientAuthDir, REGISTRY_AUTH_FILE: file };
}

export interface RegistryProcess {
  readonly kind: RegistryKind;
  /** `127.0.0.1:PORT`, the form registry clients take. */
  readonly host: string;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly pid: number;
  readonly dataDir: string;
  /** Last lines the server wrote, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Which server the end-to-end tests target: crowsnest unless CROWSNEST_E2E_TARGET=distribution. */
export function e2eTarget(): RegistryKind {
  return process.env.CROWSNEST_E2E_TARGET === 'distribution' ? 'distribution' : 'crowsnest';
}

/** Whether the chosen server can be started here (crowsnest needs the build output). */
export function canStartRegistry(kind: RegistryKind): boolean {
  if (kind === 'distribution') return findTool('docker-registry') !== undefined;
  return existsSync(join(repoRoot, 'dist', 'main.js'));
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function distributionConfig(port: number, dataDir: string): string {
  // Delete enabled so tag/manifest deletion tests and the conformance content-management workflow run.
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${dataDir}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n');
}

export interface StartOptions {
  kind?: RegistryKind;
  /** Reuse a data dir (e.g. restart tests); a fresh temp dir otherwise, removed on stop. */
  dataDir?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Extra `crowsnest serve` flags (e.g. --no-workers). */
  args?: readonly string[];
}

export async function startRegistry(options: StartOptions = {}): Promise<RegistryProcess> {
  const kind = options.kind ?? e2eTarget();
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), `${kind}-data-`));
  const port = await freePort();
  let child: ChildProcess;
  let healthPath: string;
  if (kind === 'distribution') {
    const bin = findTool('docker-registry');
    if (!bin) throw new Error('docker-registry not installed (run scripts/install-test-deps.sh)');
    const cfg = join(dataDir, 'config.yml');
    writeFileSync(cfg, distributionConfig(port, join(dataDir, 'storage')));
    child = spawn(bin, ['serve', cfg], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    healthPath = '/v2/';
  } else {
    child = spawn(
      process.execPath,
      [join(repoRoot, 'bin', 'crowsnest.js'), 'serve', '--listen', `127.0.0.1:${port}`, '--data', dataDir, ...(options.args ?? [])],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CROWSNEST_ADMIN_PASSWORD: E2E_ADMIN.password, CROWSNEST_VULNDB_UPDATE_INTERVAL: 'off', ...options.env }, cwd: repoRoot },
    );
    healthPath = '/healthz';
  }
  // Keep a bounded tail of the server's output so a failed start says why.
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exitPromise = new Promise<void>((res) => child.once('exit', () => { exited = true; res(); }));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    if (exited) throw new Error(`${kind} exited during start-up:\n${tail}`);
    try {
      const res = await fetch(url + healthPath, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      // CONTRACT: /healthz answers 200 once the server accepts pushes (distribution: /v2/ answers 200).
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${kind} did not answer ${healthPath} within the timeout:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  clientAuths[`127.0.0.1:${port}`] = { auth: Buffer.from(`${E2E_ADMIN.username}:${E2E_ADMIN.password}`).toString('base64') };
  const pid = child.pid ?? -1;
  return {
    kind,
    host: `127.0.0.1:${port}`,
    url,
    pid,
    dataDir,
    output: () => tail,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exitPromise;
        clearTimeout(timer);
      }
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface WorkerProcess {
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `crowsnest worker` (job handlers only, no HTTP) with `env`; stop() sends SIGTERM and waits. */
export function startWorkerProcess(env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'crowsnest.js'), 'worker', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CROWSNEST_VULNDB_UPDATE_INTERVAL: 'off', ...env },
    cwd: repoRoot,
  });
  let tail = '';
  const keep = (b: Buffer): void => {
    tail = (tail + b.toString('utf8')).slice(-8192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid ?? -1,
    output: () => tail,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
