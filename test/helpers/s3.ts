/**
 * A throwaway MinIO server for tests of the S3 BlobStore: `minio server` (built with go install by
 * scripts/install-test-deps.sh) on free loopback ports over a temp dir, one bucket per suite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from './registry-process.js';
import { findTool, hasTools } from './tools.js';

export const S3_ACCESS_KEY = 'crowsnest-test';
export const S3_SECRET_KEY = 'crowsnest-test-secret';

export function hasMinio(): boolean {
  return hasTools('minio');
}

export interface S3Server {
  readonly endpoint: string;
  /** Creates a fresh bucket and returns its name. */
  createBucket(): Promise<string>;
  /** Environment for a crowsnest process using this server (credentials via the AWS SDK's env provider). */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

let bucketCounter = 0;

export async function startMinio(): Promise<S3Server> {
  const bin = findTool('minio');
  if (!bin) throw new Error('minio not installed (run scripts/install-test-deps.sh)');
  const dir = mkdtempSync(join(tmpdir(), 'crowsnest-minio-'));
  const port = await freePort();
  const consolePort = await freePort();
  const child: ChildProcess = spawn(
    bin,
    ['server', join(dir, 'data'), '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, MINIO_ROOT_USER: S3_ACCESS_KEY, MINIO_ROOT_PASSWORD: S3_SECRET_KEY, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off' },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${endpoint}/minio/health/ready`);
      if (res.ok) break;
    } catch {
      // not yet listening
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`minio did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
  });
  return {
    endpoint,
    env: { AWS_ACCESS_KEY_ID: S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: S3_SECRET_KEY, AWS_REGION: 'us-east-1' },
    async createBucket() {
      const name = `t${process.pid}-${++bucketCounter}-${Date.now()}`;
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    async stop() {
      client.destroy();
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
