import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendFileRegion } from './send-file-region.js';

describe('sendFileRegion', () => {
  let app: FastifyInstance;
  let dir: string;
  let base: string;
  const content = randomBytes(5 * 1024 * 1024 + 123);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crowsnest-send-'));
    await writeFile(join(dir, 'blob'), content);
    app = Fastify();
    app.get<{ Querystring: { start?: string; end?: string } }>('/file', async (req, reply) => {
      const start = Number(req.query.start ?? 0);
      const end = Number(req.query.end ?? content.length);
      return sendFileRegion(reply, { path: join(dir, 'blob'), start, end }, 200, { 'content-length': String(end - start) });
    });
    app.get('/missing', async (_req, reply) => sendFileRegion(reply, { path: join(dir, 'nope'), start: 0, end: 1 }, 200, {}));
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends the whole file and a region byte-exact', async () => {
    const whole = Buffer.from(await (await fetch(`${base}/file`)).arrayBuffer());
    expect(whole.equals(content)).toBe(true);
    const part = Buffer.from(await (await fetch(`${base}/file?start=1048570&end=3145800`)).arrayBuffer());
    expect(part.equals(content.subarray(1048570, 3145800))).toBe(true);
  });

  it('fails a missing file through the normal error path, before any byte is sent', async () => {
    const res = await fetch(`${base}/missing`);
    expect(res.status).toBe(500);
  });

  it('survives a client that disconnects mid-body and keeps serving', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request(`${base}/file`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve() : reject(err)));
      req.end();
    });
    const again = Buffer.from(await (await fetch(`${base}/file`)).arrayBuffer());
    expect(again.length).toBe(content.length);
  });
});
