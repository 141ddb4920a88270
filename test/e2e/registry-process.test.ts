/**
 * Whole-process tests of `crowsnest serve` over real HTTP: configuration errors exit 2,
 * SIGKILL in the middle of uploads leaves no partial blob and every completed push intact
 * (and upload sessions resumable), SIGTERM drains an in-flight request and exits 0, and
 * `crowsnest gc` works on the same data directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2E_ADMIN, E2E_ADMIN_AUTH } from '../helpers/registry-process.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'crowsnest.js');
const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Server {
  proc: ChildProcess;
  port: number;
  exited: Promise<number | null>;
}

/** Starts the real server on an ephemeral port and resolves once /healthz answers. */
async function startServer(data: string): Promise<Server> {
  const proc = spawn(process.execPath, [bin, 'serve', '--listen', '127.0.0.1:0', '--data', data], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CROWSNEST_ADMIN_PASSWORD: E2E_ADMIN.password, CROWSNEST_VULNDB_UPDATE_INTERVAL: 'off' },
  });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const port = await new Promise<number>((resolvePort, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${buf}`)), 20_000);
    proc.stdout?.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const m = /"address":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    });
    proc.stderr?.on('data', (chunk: Buffer) => (buf += chunk.toString()));
    proc.on('exit', () => reject(new Error(`server exited early: ${buf}`)));
  });
  const health = await call(port, 'GET', '/healthz');
  expect(health.status).toBe(200);
  return { proc, port, exited };
}

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function call(port: number, method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { authorization: E2E_ADMIN_AUTH, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolveReply({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens a request, writes `first` and leaves the body unfinished (an upload in flight). */
function openUpload(port: number, method: string, path: string, first: Buffer, declaredLength?: number): { req: ClientRequest; response: Promise<Reply> } {
  const headers: Record<string, string> = { authorization: E2E_ADMIN_AUTH, 'content-type': 'application/octet-stream' };
  if (declaredLength !== undefined) headers['content-length'] = String(declaredLength);
  const req = httpRequest({ host: '127.0.0.1', port, method, path, headers });
  const response = new Promise<Reply>((resolveReply, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolveReply({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
  });
  req.write(first);
  return { req, response };
}

async function blobFiles(data: string): Promise<string[]> {
  const out: string[] = [];
  const base = join(data, 'blobs', 'sha256');
  if (!existsSync(base)) return out;
  for (const p of await readdir(base)) for (const f of await readdir(join(base, p))) out.push(`sha256:${f}`);
  return out.sort();
}

async function pushMonolithic(port: number, repo: string, data: Buffer): Promise<string> {
  const digest = sha(data);
  const res = await call(port, 'POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, data, { 'content-type': 'application/octet-stream' });
  expect(res.status).toBe(201);
  return digest;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let work: string;
beforeAll(async () => {
  // `npm test` builds first; a bare `vitest run` on a fresh clone builds here.
  if (!existsSync(join(root, 'dist', 'main.js'))) {
    const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('build failed');
  }
  work = await mkdtemp(join(tmpdir(), 'crowsnest-e2e-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('crowsnest serve (process)', () => {
  it('lists every configuration problem and exits 2', () => {
    const r = spawnSync(process.execPath, [bin, 'serve', '--listen', 'nope', '--storage', 'ftp://x', '--public-url', 'x'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/listen:/);
    expect(r.stderr).toMatch(/storage:/);
    expect(r.stderr).toMatch(/public-url:/);
    const pg = spawnSync(process.execPath, [bin, 'serve', '--database', 'postgres://u:pw@127.0.0.1:1/cn', '--data', join(work, 'pg')], { encoding: 'utf8' });
    expect(pg.status).toBe(2);
    expect(pg.stderr).toMatch(/database: cannot connect to postgres:\/\/u:\*+@127\.0\.0\.1:1\/cn/);
    expect(pg.stderr).not.toContain('pw@');
  });

  it('survives SIGKILL mid-upload: no partial blob visible, completed pushes intact, sessions resumable', async () => {
    const data = join(work, 'crash');
    const s1 = await startServer(data);
    const repo = 'crash/test';

    // Completed push: a config blob (monolithic), a layer (chunked), a tagged manifest.
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    const configDigest = await pushMonolithic(s1.port, repo, config);
    const layer = Buffer.alloc(300_000, 7);
    const up = await call(s1.port, 'POST', `/v2/${repo}/blobs/uploads/`);
    const loc = up.headers.location as string;
    expect((await call(s1.port, 'PATCH', loc, layer.subarray(0, 100_000), { 'content-range': '0-99999' })).status).toBe(202);
    expect((await call(s1.port, 'PATCH', loc, layer.subarray(100_000), { 'content-range': '100000-299999' })).status).toBe(202);
    const layerDigest = sha(layer);
    expect((await call(s1.port, 'PUT', `${loc}?digest=${layerDigest}`)).status).toBe(201);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length }],
      }),
    );
    const put = await call(s1.port, 'PUT', `/v2/${repo}/manifests/v1`, manifest, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
    expect(put.status).toBe(201);
    const completed = [configDigest, layerDigest, sha(manifest)].sort();
    expect(await blobFiles(data)).toEqual(completed);

    // In flight at the moment of the kill:
    // (1) a chunked upload with one chunk accepted,
    const partialData = Buffer.from('first chunk|second chunk');
    const u1 = await call(s1.port, 'POST', `/v2/${repo}/blobs/uploads/`);
    const u1loc = u1.headers.location as string;
    expect((await call(s1.port, 'PATCH', u1loc, partialData.subarray(0, 12), { 'content-range': '0-11' })).status).toBe(202);
    // (2) a streamed PATCH whose body is half sent,
    const streamed = Buffer.alloc(2_000_000, 3);
    const u2 = await call(s1.port, 'POST', `/v2/${repo}/blobs/uploads/`);
    const u2loc = u2.headers.location as string;
    const patch = openUpload(s1.port, 'PATCH', u2loc, streamed.subarray(0, 1_000_000), streamed.length);
    // (3) a monolithic POST whose body is half sent,
    const mono = Buffer.alloc(4_000_000, 5);
    const post = openUpload(s1.port, 'POST', `/v2/${repo}/blobs/uploads/?digest=${sha(mono)}`, mono.subarray(0, 2_000_000), mono.length);
    // (4) a final PUT whose closing chunk is half sent.
    const last = Buffer.alloc(1_000_000, 9);
    const u4 = await call(s1.port, 'POST', `/v2/${repo}/blobs/uploads/`);
    const u4loc = u4.headers.location as string;
    const finish = openUpload(s1.port, 'PUT', `${u4loc}?digest=${sha(last)}`, last.subarray(0, 400_000), last.length);
    for (const r of [patch, post, finish]) r.response.catch(() => undefined);
    await sleep(500);

    s1.proc.kill('SIGKILL');
    await s1.exited;
    for (const r of [patch, post, finish]) r.req.destroy();

    // Nothing partial became a blob.
    expect(await blobFiles(data)).toEqual(completed);

    const s2 = await startServer(data);
    try {
      const get = await call(s2.port, 'GET', `/v2/${repo}/manifests/v1`);
      expect(get.status).toBe(200);
      expect(get.headers['docker-content-digest']).toBe(sha(manifest));
      expect(get.body.equals(manifest)).toBe(true);
      for (const [digest, bytes] of [[configDigest, config], [layerDigest, layer]] as const) {
        const b = await call(s2.port, 'GET', `/v2/${repo}/blobs/${digest}`);
        expect(b.status).toBe(200);
        expect(sha(b.body)).toBe(digest);
        expect(b.body.length).toBe(bytes.length);
      }
      for (const digest of [sha(mono), sha(streamed), sha(last)]) {
        expect((await call(s2.port, 'HEAD', `/v2/${repo}/blobs/${digest}`)).status).toBe(404);
      }

      // The chunked session survived the restart and finishes with a rebuilt hash.
      const st = await call(s2.port, 'GET', u1loc);
      expect(st.status).toBe(204);
      expect(st.headers.range).toBe('0-11');
      expect((await call(s2.port, 'PATCH', u1loc, partialData.subarray(12), { 'content-range': `12-${partialData.length - 1}` })).status).toBe(202);
      const done = await call(s2.port, 'PUT', `${u1loc}?digest=${sha(partialData)}`);
      expect(done.status).toBe(201);
      expect((await call(s2.port, 'GET', `/v2/${repo}/blobs/${sha(partialData)}`)).body.equals(partialData)).toBe(true);

      // The half-streamed PATCH resumes from whatever reached the disk.
      const st2 = await call(s2.port, 'GET', u2loc);
      expect(st2.status).toBe(204);
      const have = Number(/^0-(\d+)$/.exec(st2.headers.range as string)?.[1] ?? -1) + 1;
      expect(have).toBeGreaterThanOrEqual(0);
      expect(have).toBeLessThanOrEqual(1_000_000);
      const rest = streamed.subarray(have);
      expect((await call(s2.port, 'PATCH', u2loc, rest, { 'content-range': `${have}-${streamed.length - 1}` })).status).toBe(202);
      expect((await call(s2.port, 'PUT', `${u2loc}?digest=${sha(streamed)}`)).status).toBe(201);
    } finally {
      s2.proc.kill('SIGTERM');
      expect(await s2.exited).toBe(0);
    }

    // gc on the same data: the tagged image stays; the two finished but unreferenced uploads go.
    const gc = spawnSync(process.execPath, [bin, 'gc', '--data', data, '--grace', '0'], { encoding: 'utf8' });
    expect(gc.status).toBe(0);
    expect(gc.stdout).toContain(`removed blob ${sha(partialData)}`);
    expect(gc.stdout).toContain(`removed blob ${sha(streamed)}`);
    expect(await blobFiles(data)).toEqual(completed);
  }, 60_000);

  it('drains an in-flight upload on SIGTERM and exits 0', async () => {
    const data = join(work, 'graceful');
    const s = await startServer(data);
    const repo = 'drain/me';
    const body = Buffer.alloc(500_000, 1);
    const start = await call(s.port, 'POST', `/v2/${repo}/blobs/uploads/`);
    const loc = start.headers.location as string;
    const inflight = openUpload(s.port, 'PATCH', loc, body.subarray(0, 200_000), body.length);
    await sleep(200);
    s.proc.kill('SIGTERM');
    await sleep(200);
    inflight.req.end(body.subarray(200_000));
    const res = await inflight.response;
    expect(res.status).toBe(202);
    expect(res.headers.range).toBe(`0-${body.length - 1}`);
    expect(await s.exited).toBe(0);
  }, 30_000);
});
