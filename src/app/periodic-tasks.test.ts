/** The scheduled housekeeping of serve: garbage collection only when configured, and it really collects. */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, TEST_ADMIN_AUTH, type TestApp } from './_testkit/test-app.js';
import { periodicTasks } from './periodic-tasks.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('periodic tasks', () => {
  it('purges uploads always and collects garbage only with an interval', async () => {
    t = await createTestApp();
    expect(periodicTasks(t.ctx).map((task) => task.name)).toEqual(['purge-stale-uploads']);
    await t.close();
    t = await createTestApp({ gcInterval: '12h' });
    const tasks = periodicTasks(t.ctx);
    expect(tasks.map((task) => task.name)).toEqual(['purge-stale-uploads', 'garbage-collection']);
    expect(tasks[1]?.intervalMs).toBe(12 * 3600 * 1000);
  });

  it('scheduled garbage collection removes a blob no manifest references', async () => {
    t = await createTestApp({ gcInterval: '1h', gcGrace: '0' });
    const blob = randomBytes(1024);
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const headers = { authorization: TEST_ADMIN_AUTH };
    const put = await t.app.inject({ method: 'POST', url: `/v2/admin/orphan/blobs/uploads/?digest=${digest}`, payload: blob, headers: { ...headers, 'content-type': 'application/octet-stream' } });
    expect(put.statusCode).toBe(201);
    expect((await t.app.inject({ method: 'HEAD', url: `/v2/admin/orphan/blobs/${digest}`, headers })).statusCode).toBe(200);
    const gc = periodicTasks(t.ctx).find((task) => task.name === 'garbage-collection');
    await gc?.run();
    expect((await t.app.inject({ method: 'HEAD', url: `/v2/admin/orphan/blobs/${digest}`, headers })).statusCode).toBe(404);
  });
});
