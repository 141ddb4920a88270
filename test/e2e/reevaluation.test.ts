/**
 * Issue 7 end to end on a real `crowsnest serve` process: the same image pushed to an advanced and
 * a basic repository is analyzed at data revision N; `crowsnest db import` (another process) adds an
 * advisory for one of its packages; with no push, within seconds the advanced tag's report, summary
 * and timeline show it and a webhook receiver on loopback gets exactly one signed delivery with the
 * diff, while the basic repository keeps its push-time report. Withdrawing the advisory removes the
 * finding and records the removal (and is delivered too).
 */
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForAnalysis } from '../helpers/analysis.js';
import { buildImage, buildLayer, type BuiltImage } from '../helpers/image-builder.js';
import { adminFetch, canStartRegistry, repoRoot, startRegistry, type RegistryProcess } from '../helpers/registry-process.js';

const ADVISORY = 'GHSA-e2e0-reev-0001';
const PACKAGE = 'crowsnest-e2e-reeval';

interface Delivery {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly json: { event: string; repository: string; tags?: string[]; revision?: number; added?: { id: string; severity: string; package: { name: string }; fixedVersions: string[] }[]; removed?: { id: string }[] };
}
type Report = { summary: Record<string, number>; db: { version: number }; packages: { vulnerabilities: { id: string; since?: string }[] }[] };
type Timeline = { entries: { kind: string; at: string; revision: number; added: { id: string }[]; removed: { id: string }[] }[] };

function osv(modified: string, withdrawn?: string): string {
  return JSON.stringify({
    schema_version: '1.6.0',
    id: ADVISORY,
    modified,
    ...(withdrawn ? { withdrawn } : {}),
    summary: 'end-to-end re-evaluation advisory',
    affected: [{ package: { ecosystem: 'PyPI', name: PACKAGE }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }] }],
    database_specific: { severity: 'CRITICAL' },
  });
}

describe.skipIf(!canStartRegistry('crowsnest'))('continuous re-evaluation end to end', () => {
  let reg: RegistryProcess;
  let work: string;
  let receiver: Server;
  let hookUrl: string;
  let secret = '';
  let image: BuiltImage;
  const deliveries: Delivery[] = [];

  const report = async (repo: string) => (await (await adminFetch(`${reg.url}/api/v1/repositories/${repo}/tags/v1/vulnerabilities`)).json()) as Report;
  const timeline = async (repo: string) => (await (await adminFetch(`${reg.url}/api/v1/repositories/${repo}/tags/v1/timeline`)).json()) as Timeline;
  const ids = (r: Report) => r.packages.flatMap((p) => p.vulnerabilities.map((v) => v.id));
  async function until(ok: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await ok()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }
  function dbImport(doc: string, name: string): { revision: number } {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${ADVISORY}.json`), doc);
    const res = spawnSync(process.execPath, [join(repoRoot, 'bin', 'crowsnest.js'), 'db', 'import', dir, '--data', reg.dataDir], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    const status = spawnSync(process.execPath, [join(repoRoot, 'bin', 'crowsnest.js'), 'db', 'status', '--data', reg.dataDir, '--json'], { encoding: 'utf8' });
    expect(status.status, status.stderr).toBe(0);
    return { revision: (JSON.parse(status.stdout) as { revision: number }).revision };
  }
  async function push(repo: string): Promise<void> {
    for (const b of [image.config, ...image.layers]) {
      const res = await adminFetch(`${reg.url}/v2/${repo}/blobs/uploads/?digest=${b.digest}`, { method: 'POST', body: b.bytes, headers: { 'content-type': 'application/octet-stream' } });
      expect(res.status).toBe(201);
    }
    const res = await adminFetch(`${reg.url}/v2/${repo}/manifests/v1`, { method: 'PUT', body: image.manifest.bytes, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    expect(res.status).toBe(201);
  }

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'e2e-reeval-'));
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        deliveries.push({ headers: req.headers, body, json: JSON.parse(body) as Delivery['json'] });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/crowsnest`;
    reg = await startRegistry({ env: { CROWSNEST_LOG_LEVEL: 'warn' } });
    image = await buildImage({
      layers: [
        await buildLayer({ 'etc/os-release': 'ID=debian\nVERSION_ID=12\n' }),
        await buildLayer({ [`usr/lib/python3/site-packages/crowsnest_e2e_reeval-1.0.0.dist-info/METADATA`]: `Metadata-Version: 2.1\nName: ${PACKAGE}\nVersion: 1.0.0\n` }),
      ],
      history: [{ created_by: 'ADD rootfs /' }, { created_by: `RUN pip install ${PACKAGE}==1.0.0` }],
    });
    for (const [repo, level] of [['e2e/advanced', 'advanced'], ['e2e/basic', 'basic']] as const) {
      const put = await adminFetch(`${reg.url}/api/v1/repositories/${repo}/settings`, { method: 'PUT', body: JSON.stringify({ analysis: level }), headers: { 'content-type': 'application/json' } });
      expect(put.status).toBe(200);
    }
    const hook = await adminFetch(`${reg.url}/api/v1/repositories/e2e/advanced/webhooks`, {
      method: 'POST',
      body: JSON.stringify({ url: hookUrl, events: ['analysis.done', 'vulnerabilities.changed'] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(hook.status).toBe(201);
    secret = ((await hook.json()) as { secret: string }).secret;
    for (const repo of ['e2e/advanced', 'e2e/basic']) await push(repo);
    for (const repo of ['e2e/advanced', 'e2e/basic']) expect((await waitForAnalysis(reg.url, repo, 'v1', 30_000)).status).toBe('done');
  }, 90_000);
  afterAll(async () => {
    await reg?.stop();
    await new Promise((r) => receiver?.close(r));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('reports a new advisory on the advanced tag within seconds, once, signed — and leaves the basic one alone', async () => {
    await until(() => deliveries.some((d) => d.json.event === 'analysis.done'));
    expect(deliveries.map((d) => d.json.event)).toEqual(['analysis.done']);
    const before = await report('e2e/advanced');
    expect(ids(before)).toEqual([]);
    const pushedAt = (await timeline('e2e/advanced')).entries[0]?.at ?? '';

    const { revision } = dbImport(osv('2026-11-20T00:00:00Z'), 'publish');
    expect(revision).toBeGreaterThan(before.db.version);
    const started = Date.now();
    await until(async () => ids(await report('e2e/advanced')).includes(ADVISORY));
    const after = await report('e2e/advanced');
    expect(ids(after)).toEqual([ADVISORY]);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(after.summary.critical).toBe(1);
    const since = after.packages.flatMap((p) => p.vulnerabilities)[0]?.since ?? '';
    expect(Date.parse(since)).toBeGreaterThan(Date.parse(pushedAt));
    const rows = (await (await adminFetch(`${reg.url}/api/v1/repositories/e2e/advanced/tags`)).json()) as { analysis: { summary: Record<string, number> } }[];
    expect(rows[0]?.analysis.summary.critical).toBe(1);
    const entries = (await timeline('e2e/advanced')).entries;
    expect(entries.map((e) => e.kind)).toEqual(['analysis', 'reevaluation']);
    expect(entries[1]).toMatchObject({ at: since, revision, added: [{ id: ADVISORY }] });

    await until(() => deliveries.some((d) => d.json.event === 'vulnerabilities.changed'));
    await new Promise((r) => setTimeout(r, 1_000));
    const changed = deliveries.filter((d) => d.json.event === 'vulnerabilities.changed');
    expect(changed).toHaveLength(1);
    const d = changed[0];
    expect(d?.headers['x-crowsnest-signature-256']).toBe(`sha256=${createHmac('sha256', secret).update(d?.body ?? '').digest('hex')}`);
    expect(d?.json).toMatchObject({ repository: 'e2e/advanced', tags: ['v1'], revision, removed: [] });
    expect(d?.json.added?.map((f) => [f.id, f.severity, f.package.name, f.fixedVersions])).toEqual([[ADVISORY, 'critical', PACKAGE, ['2.0.0']]]);

    const basic = await report('e2e/basic');
    expect(ids(basic)).toEqual([]);
    expect(basic.db.version).toBeLessThan(revision);
    expect((await timeline('e2e/basic')).entries.map((e) => e.kind)).toEqual(['analysis']);
  });

  it('removes a withdrawn advisory and records the removal', async () => {
    const { revision } = dbImport(osv('2026-11-21T00:00:00Z', '2026-11-21T00:00:00Z'), 'withdraw');
    await until(async () => !ids(await report('e2e/advanced')).includes(ADVISORY));
    expect(ids(await report('e2e/advanced'))).toEqual([]);
    const entries = (await timeline('e2e/advanced')).entries;
    expect(entries.map((e) => e.kind)).toEqual(['analysis', 'reevaluation', 'reevaluation']);
    expect(entries[2]).toMatchObject({ revision, added: [], removed: [{ id: ADVISORY }] });
    await until(() => deliveries.filter((x) => x.json.event === 'vulnerabilities.changed').length >= 2);
    const last = deliveries.filter((x) => x.json.event === 'vulnerabilities.changed')[1];
    expect(last?.json.removed?.map((f) => f.id)).toEqual([ADVISORY]);
  });
});
