/**
 * A private Docker engine for tests: the unpacked dockerd (scripts/install-test-deps.sh) with its data,
 * exec root and API socket in a temp dir, vfs storage, no iptables and no bridge, trusting one plain-HTTP
 * registry on loopback. Stopped (SIGTERM, then SIGKILL) by the caller.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { run } from './e2e.js';
import { findTool, toolsBinDir } from './tools.js';

export interface Dockerd {
  /** Runs the docker CLI against this engine. */
  docker(args: readonly string[], input?: Buffer): Promise<string>;
  stop(): Promise<void>;
}

export async function startDockerd(insecureRegistry: string): Promise<Dockerd> {
  const bin = findTool('dockerd');
  if (!bin) throw new Error('dockerd not installed (run scripts/install-test-deps.sh)');
  // Short path: the engine's unix sockets must fit in 108 bytes.
  const dir = mkdtempSync(join(tmpdir(), 'dkd-'));
  const sock = `unix://${join(dir, 'docker.sock')}`;
  const env = { ...process.env, PATH: [toolsBinDir, process.env.PATH ?? '', '/usr/sbin', '/sbin'].join(delimiter) };
  const child = spawn(
    bin,
    [
      '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'docker.pid'),
      '--host', sock, '--storage-driver=vfs', '--iptables=false', '--ip6tables=false', '--bridge=none',
      '--insecure-registry', insecureRegistry,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  let tail = '';
  const keep = (c: Buffer): void => {
    tail = (tail + c.toString('utf8')).slice(-8192);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const exitPromise = new Promise<void>((res) => child.once('exit', () => { exited = true; res(); }));
  const docker = async (args: readonly string[], input?: Buffer): Promise<string> =>
    (await run('docker', ['--host', sock, ...args], { env, input, timeoutMs: 120_000 })).stdout;

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`dockerd exited during start-up:\n${tail}`);
    try {
      await docker(['version', '--format', '{{.Server.Version}}']);
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`dockerd did not start:\n${tail}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    docker,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exitPromise;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
