/**
 * Repository webhooks through the real app (HTTP inject, SQLite, job runner) and a receiver on
 * loopback: who may manage them, signed deliveries for push and vulnerability changes (diff,
 * truncation, minimum severity, scope), retries with backoff, the delivery log, redeliver and ping.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, buildLayer, type BuiltImage } from '../../test/helpers/image-builder.js';
import { createTestApp, TEST_ADMIN_AUTH, type TestApp } from '../app/_testkit/test-app.js';
import type { FindingRef, VulnerabilitiesChangedEvent } from '../evaluation/image-events.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { emptySummary } from '../reports/severity.js';

interface Received {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly json: Record<string, unknown> & { event: string };
}

const REPO = 'hooks/app';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('repository webhooks', () => {
  let t: TestApp;
  let runner: JobRunner;
  let receiver: Server;
  let url: string;
  let image: BuiltImage;
  const received: Received[] = [];
  /** Status codes the receiver answers with, in order; 204 once exhausted. */
  const answers: number[] = [];

  const as = (auth: string | undefined) => (o: InjectOptions) => t.app.inject({ ...o, headers: { ...(auth ? { authorization: auth } : {}), ...o.headers } });
  const admin = as(TEST_ADMIN_AUTH);
  async function until(ok: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await ok()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }
  const finding = (i: number, severity: FindingRef['severity']): FindingRef => ({
    id: `CVE-2026-${String(10000 + i)}`,
    severity,
    package: { name: `pkg${i}`, version: '1.0.0', type: 'npm', purl: `pkg:npm/pkg${i}@1.0.0` },
    fixedVersions: ['1.0.1'],
  });
  const changedEvent = (tags: string[], added: FindingRef[]): VulnerabilitiesChangedEvent => ({
    manifestDigest: image.manifest.digest,
    platform: 'linux/amd64',
    targets: [{ repository: REPO, rootDigest: image.manifest.digest, tags }],
    revision: 7,
    evaluatedAt: new Date().toISOString(),
    added,
    removed: [],
    changed: [],
    summary: { ...emptySummary(), high: added.length },
  });
  async function createHook(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
    const res = await admin({ method: 'POST', url: `/api/v1/repositories/${REPO}/webhooks`, payload: body });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string; secret: string }>();
  }
  async function push(tag: string): Promise<void> {
    for (const b of [image.config, ...image.layers]) {
      const res = await admin({ method: 'POST', url: `/v2/${REPO}/blobs/uploads/?digest=${b.digest}`, payload: b.bytes, headers: { 'content-type': 'application/octet-stream' } });
      expect(res.statusCode).toBe(201);
    }
    const res = await admin({ method: 'PUT', url: `/v2/${REPO}/manifests/${tag}`, payload: image.manifest.bytes, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    expect(res.statusCode).toBe(201);
  }

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        received.push({ headers: req.headers, body, json: JSON.parse(body) as Received['json'] });
        res.writeHead(answers.shift() ?? 204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    t = await createTestApp();
    image = await buildImage({ layers: [await buildLayer({ 'etc/os-release': 'ID=test\n' })] });
    await push('v0');
    runner = t.ctx.analysis.startWorkers();
  });
  afterAll(async () => {
    await runner?.stop();
    await t?.close();
    await new Promise((r) => receiver?.close(r));
  });

  it('is managed by repository admins only, validates its input, never lists the secret and is audited', async () => {
    for (const name of ['reader', 'stranger']) await t.ctx.accounts.createUser(name, `${name}-password`, false);
    expect((await admin({ method: 'PUT', url: `/api/v1/repositories/${REPO}/permissions/users/reader`, payload: { level: 'read' } })).statusCode).toBeLessThan(300);
    const body = { url, events: ['push'] };
    const path = `/api/v1/repositories/${REPO}/webhooks`;
    expect((await as(undefined)({ method: 'POST', url: path, payload: body })).statusCode).toBe(401);
    expect((await as(basic('stranger', 'stranger-password'))({ method: 'POST', url: path, payload: body })).statusCode).toBe(404);
    expect((await as(basic('reader', 'reader-password'))({ method: 'POST', url: path, payload: body })).statusCode).toBe(403);
    expect((await as(basic('reader', 'reader-password'))({ method: 'GET', url: path })).statusCode).toBe(403);
    expect((await admin({ method: 'POST', url: path, payload: { url: 'ftp://x/y', events: ['push'] } })).statusCode).toBe(400);
    expect((await admin({ method: 'POST', url: path, payload: { url, events: ['pull'] } })).statusCode).toBe(400);
    expect((await admin({ method: 'POST', url: path, payload: { url, events: [] } })).statusCode).toBe(400);

    const created = await createHook({ url, events: ['push'], minSeverity: 'high' });
    expect(created.secret.length).toBeGreaterThanOrEqual(16);
    const listed = (await admin({ method: 'GET', url: path })).json<Record<string, unknown>[]>();
    expect(listed.map((h) => h.id)).toEqual([created.id]);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    const patched = await admin({ method: 'PATCH', url: `${path}/${created.id}`, payload: { active: false, scope: 'latest' } });
    expect(patched.json()).toMatchObject({ active: false, scope: 'latest', minSeverity: 'high', events: ['push'] });
    expect((await admin({ method: 'DELETE', url: `${path}/${created.id}` })).statusCode).toBe(204);
    expect((await admin({ method: 'GET', url: `${path}/${created.id}` })).statusCode).toBe(404);
    const audit = (await t.ctx.accounts.auditLog(20)).filter((a) => a.action.startsWith('webhook.'));
    expect(audit.map((a) => [a.action, a.actor, a.target])).toEqual([
      ['webhook.delete', 'admin', REPO],
      ['webhook.update', 'admin', REPO],
      ['webhook.create', 'admin', REPO],
    ]);
  });

  it('delivers a signed push event and logs the delivery', async () => {
    const hook = await createHook({ url, events: ['push'] });
    received.length = 0;
    await push('v1');
    await until(() => received.length > 0);
    expect(received).toHaveLength(1);
    const got = received[0];
    expect(got?.json).toMatchObject({ event: 'push', repository: REPO, tag: 'v1', digest: image.manifest.digest });
    expect(got?.headers['x-crowsnest-event']).toBe('push');
    expect(got?.headers['x-crowsnest-delivery']).toBe(got?.json.id);
    expect(got?.headers['x-crowsnest-signature-256']).toBe(`sha256=${createHmac('sha256', hook.secret).update(got?.body ?? '').digest('hex')}`);
    expect(got?.headers['x-crowsnest-signature-256']).not.toBe(`sha256=${createHmac('sha256', 'another secret').update(got?.body ?? '').digest('hex')}`);
    await until(async () => (await admin({ method: 'GET', url: `/api/v1/repositories/${REPO}/webhooks/${hook.id}/deliveries` })).json<{ status: string }[]>()[0]?.status === 'delivered');
    const log = (await admin({ method: 'GET', url: `/api/v1/repositories/${REPO}/webhooks/${hook.id}/deliveries` })).json<{ id: string; status: string; attempts: number; responseStatus: number }[]>();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ id: got?.json.id, status: 'delivered', attempts: 1, responseStatus: 204 });
    await admin({ method: 'DELETE', url: `/api/v1/repositories/${REPO}/webhooks/${hook.id}` });
  });

  it('sends one vulnerabilities.changed delivery per change, filtered by severity, cut at 100 findings with counts', async () => {
    const all = await createHook({ url: `${url}?all`, events: ['vulnerabilities.changed'] });
    const critical = await createHook({ url: `${url}?critical`, events: ['vulnerabilities.changed'], minSeverity: 'critical' });
    received.length = 0;
    const many = Array.from({ length: 150 }, (_, i) => finding(i, 'high'));
    t.ctx.imageEvents.emit('vulnerabilitiesChanged', changedEvent(['v1'], many));
    await until(() => received.length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toHaveLength(1);
    const body = received[0]?.json;
    expect(body).toMatchObject({ event: 'vulnerabilities.changed', repository: REPO, tags: ['v1'], digest: image.manifest.digest, revision: 7, truncated: true, counts: { added: 150, removed: 0, changed: 0 } });
    expect((body?.added as FindingRef[]).length).toBe(100);
    expect((body?.added as FindingRef[])[0]).toEqual(many[0]);
    expect(received[0]?.headers['x-crowsnest-signature-256']).toBe(`sha256=${createHmac('sha256', all.secret).update(received[0]?.body ?? '').digest('hex')}`);

    received.length = 0;
    t.ctx.imageEvents.emit('vulnerabilitiesChanged', changedEvent(['v1'], [finding(1, 'critical'), finding(2, 'low')]));
    await until(() => received.length >= 2);
    const byHook = Object.fromEntries(received.map((r) => [r.headers['x-crowsnest-delivery'] as string, r.json]));
    const critLog = (await admin({ method: 'GET', url: `/api/v1/repositories/${REPO}/webhooks/${critical.id}/deliveries` })).json<{ id: string }[]>();
    expect(critLog).toHaveLength(1);
    expect((byHook[critLog[0]?.id ?? ''] as unknown as { added: FindingRef[] }).added.map((f) => f.severity)).toEqual(['critical']);
    for (const id of [all.id, critical.id]) await admin({ method: 'DELETE', url: `/api/v1/repositories/${REPO}/webhooks/${id}` });
  });

  it('with scope "latest" only reports on the most recently pushed tag', async () => {
    const hook = await createHook({ url, events: ['vulnerabilities.changed'], scope: 'latest' });
    await push('v2');
    received.length = 0;
    t.ctx.imageEvents.emit('vulnerabilitiesChanged', changedEvent(['v0'], [finding(1, 'high')]));
    t.ctx.imageEvents.emit('vulnerabilitiesChanged', changedEvent(['v2'], [finding(2, 'high')]));
    await until(() => received.length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(received.map((r) => r.json.tags)).toEqual([['v2']]);
    await admin({ method: 'DELETE', url: `/api/v1/repositories/${REPO}/webhooks/${hook.id}` });
  });

  it('retries a failed delivery with backoff, then redelivers and pings on request', async () => {
    const hook = await createHook({ url, events: ['push'] });
    received.length = 0;
    answers.push(500);
    await push('v3');
    const deliveries = async () => (await admin({ method: 'GET', url: `/api/v1/repositories/${REPO}/webhooks/${hook.id}/deliveries` })).json<{ id: string; status: string; attempts: number; error: string | null }[]>();
    await until(async () => (await deliveries())[0]?.status === 'delivered');
    const [first] = await deliveries();
    expect(first).toMatchObject({ status: 'delivered', attempts: 2, error: null });
    expect(received).toHaveLength(2);
    expect(received[0]?.body).toBe(received[1]?.body);

    const again = await admin({ method: 'POST', url: `/api/v1/repositories/${REPO}/webhooks/${hook.id}/deliveries/${first?.id ?? ''}/redeliver` });
    expect(again.statusCode).toBe(202);
    const ping = await admin({ method: 'POST', url: `/api/v1/repositories/${REPO}/webhooks/${hook.id}/ping` });
    expect(ping.statusCode).toBe(202);
    await until(() => received.length >= 4);
    expect(received.map((r) => r.json.event).sort()).toEqual(['ping', 'push', 'push', 'push']);
    expect((await deliveries()).map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });
});
