/**
 * Continuous re-evaluation through the real app (SQLite file, HTTP inject, job runner): the same
 * image in an `advanced` and a `basic` repository; importing an advisory re-matches only the advanced
 * one from its stored SBOM (report, tags summary, timeline, `since`, one vulnerabilitiesChanged
 * event), the basic one keeps its push-time report; withdrawing the advisory removes the finding
 * and records the removal.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, buildLayer, type BuiltImage } from '../../test/helpers/image-builder.js';
import { createTestApp, TEST_ADMIN_AUTH, type TestApp } from '../app/_testkit/test-app.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { osvSource } from '../vulndb/sources/osv-source.js';
import type { VulnerabilitiesChangedEvent } from './image-events.js';

const ADVISORY = 'GHSA-cnst-reev-0001';

type Report = { summary: Record<string, number>; db: { version: number }; packages: { name: string; vulnerabilities: { id: string; since?: string; fixedVersions: string[] }[] }[] };
type Timeline = { entries: { kind: string; revision: number; at: string; added: { id: string }[]; removed: { id: string }[] }[] };

function osvRecord(modified: string, withdrawn?: string): string {
  return JSON.stringify({
    schema_version: '1.6.0',
    id: ADVISORY,
    modified,
    ...(withdrawn ? { withdrawn } : {}),
    summary: 'Crowsnest re-evaluation test advisory',
    affected: [{ package: { ecosystem: 'PyPI', name: 'crowsnest-reeval-demo' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.4.2' }] }] }],
    database_specific: { severity: 'HIGH' },
  });
}

describe('re-evaluation of advanced repositories', () => {
  let t: TestApp;
  let runner: JobRunner;
  let image: BuiltImage;
  let feeds: string;
  const events: VulnerabilitiesChangedEvent[] = [];
  const inject = (o: InjectOptions) => t.app.inject({ ...o, headers: { authorization: TEST_ADMIN_AUTH, ...o.headers } });
  const report = async (repo: string) => (await inject({ method: 'GET', url: `/api/v1/repositories/${repo}/tags/v1/vulnerabilities` })).json<Report>();
  const timeline = async (repo: string) => (await inject({ method: 'GET', url: `/api/v1/repositories/${repo}/tags/v1/timeline` })).json<Timeline>();
  const ids = (r: Report) => r.packages.flatMap((p) => p.vulnerabilities.map((v) => v.id));
  async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    let v = await what();
    for (let i = 0; i < 100 && !ok(v); i++) {
      await new Promise((r) => setTimeout(r, 100));
      v = await what();
    }
    return v;
  }
  /** Imports one OSV record from a directory of its own (as `crowsnest db import DIR` would). */
  async function importFeed(doc: string, name: string) {
    const dir = join(feeds, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'record.json'), doc);
    return t.ctx.vulndb.import('osv', osvSource.read(dir, { issues: () => undefined }));
  }

  beforeAll(async () => {
    feeds = mkdtempSync(join(tmpdir(), 'reeval-feeds-'));
    t = await createTestApp();
    t.ctx.imageEvents.on('vulnerabilitiesChanged', (e) => {
      events.push(e);
    });
    image = await buildImage({
      layers: [
        await buildLayer({ 'etc/os-release': 'ID=debian\nVERSION_ID=12\n' }),
        await buildLayer({ 'usr/lib/python3/site-packages/crowsnest_reeval_demo-1.3.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: crowsnest-reeval-demo\nVersion: 1.3.0\n' }),
      ],
      history: [{ created_by: 'ADD rootfs /' }, { created_by: 'RUN pip install crowsnest-reeval-demo==1.3.0' }],
    });
    for (const [repo, level] of [['acme/adv', 'advanced'], ['acme/basic', 'basic']] as const) {
      for (const b of [image.config, ...image.layers]) {
        const res = await inject({ method: 'POST', url: `/v2/${repo}/blobs/uploads/?digest=${b.digest}`, payload: b.bytes, headers: { 'content-type': 'application/octet-stream' } });
        expect(res.statusCode).toBe(201);
      }
      expect((await inject({ method: 'PUT', url: `/api/v1/repositories/${repo}/settings`, payload: { analysis: level } })).statusCode).toBe(200);
      const put = await inject({ method: 'PUT', url: `/v2/${repo}/manifests/v1`, payload: image.manifest.bytes, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
      expect(put.statusCode).toBe(201);
    }
    runner = t.ctx.analysis.startWorkers();
    for (const repo of ['acme/adv', 'acme/basic']) {
      const rows = await until(
        async () => (await inject({ method: 'GET', url: `/api/v1/repositories/${repo}/tags` })).json<{ analysis: { status: string } }[]>(),
        (r) => r[0]?.analysis.status === 'done',
      );
      expect(rows[0]?.analysis.status).toBe('done');
    }
  }, 60_000);
  afterAll(async () => {
    await runner?.stop();
    await t?.close();
    rmSync(feeds, { recursive: true, force: true });
  });

  it('adds a newly published advisory to the advanced repository only, with its time and revision', async () => {
    const before = await report('acme/adv');
    expect(ids(before)).toEqual([]);
    const analysisEntries = (await timeline('acme/adv')).entries;
    expect(analysisEntries.map((e) => e.kind)).toEqual(['analysis']);

    const result = await importFeed(osvRecord('2026-11-01T00:00:00Z'), 'v1');
    expect(result.changed).toBe(true);
    expect(result.touchedPackages).toBe(1);

    const after = await until(() => report('acme/adv'), (r) => ids(r).includes(ADVISORY));
    expect(ids(after)).toEqual([ADVISORY]);
    expect(after.db.version).toBe(result.revision);
    expect(after.summary.high).toBe(1);
    const finding = after.packages.flatMap((p) => p.vulnerabilities)[0];
    expect(finding?.fixedVersions).toEqual(['1.4.2']);
    expect(Date.parse(finding?.since ?? '')).toBeGreaterThan(Date.parse(analysisEntries[0]?.at ?? ''));

    const rows = (await inject({ method: 'GET', url: '/api/v1/repositories/acme/adv/tags' })).json<{ analysis: { summary: Record<string, number> } }[]>();
    expect(rows[0]?.analysis.summary.high).toBe(1);
    const entries = (await timeline('acme/adv')).entries;
    expect(entries.map((e) => e.kind)).toEqual(['analysis', 'reevaluation']);
    expect(entries[1]).toMatchObject({ revision: result.revision, added: [{ id: ADVISORY }], removed: [] });
    expect(entries[1]?.at).toBe(finding?.since);

    // The basic repository keeps the report it got at push time, labelled with that revision.
    const basic = await report('acme/basic');
    expect(ids(basic)).toEqual([]);
    expect(basic.db.version).toBeLessThan(result.revision);
    expect((await timeline('acme/basic')).entries.map((e) => e.kind)).toEqual(['analysis']);

    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ manifestDigest: image.manifest.digest, revision: result.revision, targets: [{ repository: 'acme/adv', tags: ['v1'] }] });
    expect(events[0]?.added.map((f) => [f.id, f.severity, f.package.name, f.fixedVersions])).toEqual([[ADVISORY, 'high', 'crowsnest-reeval-demo', ['1.4.2']]]);
  });

  it('removes a withdrawn advisory and records the removal', async () => {
    const result = await importFeed(osvRecord('2026-11-10T00:00:00Z', '2026-11-10T00:00:00Z'), 'v2');
    expect(result.withdrawn).toBe(1);
    const after = await until(() => report('acme/adv'), (r) => !ids(r).includes(ADVISORY));
    expect(ids(after)).toEqual([]);
    const entries = (await timeline('acme/adv')).entries;
    expect(entries.map((e) => e.kind)).toEqual(['analysis', 'reevaluation', 'reevaluation']);
    expect(entries[2]).toMatchObject({ revision: result.revision, added: [], removed: [{ id: ADVISORY }] });
    expect(events).toHaveLength(2);
    expect(events[1]?.removed.map((f) => f.id)).toEqual([ADVISORY]);
  });

  it('re-matches nothing when an import touches packages no image holds', async () => {
    const unrelated = JSON.stringify({
      schema_version: '1.6.0',
      id: 'GHSA-cnst-none-0002',
      modified: '2026-11-11T00:00:00Z',
      affected: [{ package: { ecosystem: 'PyPI', name: 'not-in-any-image' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }],
    });
    const result = await importFeed(unrelated, 'unrelated');
    expect(result.touchedPackages).toBe(1);
    const outcome = await t.ctx.reevaluation.run();
    expect(outcome).toMatchObject({ toRevision: result.revision, full: false, images: 0, changed: 0 });
    expect(events).toHaveLength(2);
  });
});
