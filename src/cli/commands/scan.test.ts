/** `crowsnest scan` in process against a database loaded by `crowsnest db import`: formats, --fail-on, exit codes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { hasShared, sharedPath } from '../../../test/helpers/shared.js';
import { buildImage, buildLayer, writeOciLayout } from '../../../test/helpers/image-builder.js';
import { main } from '../cli.js';

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
});

describe.skipIf(!hasShared('data', 'osv', 'PyPI'))('crowsnest scan', () => {
  let dir: string;
  let layout: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scan-cli-'));
    const img = await buildImage({
      layers: [
        await buildLayer({ 'etc/os-release': 'ID=debian\nVERSION_ID=12\n' }),
        await buildLayer({ 'usr/lib/python3/site-packages/Django-3.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: Django\nVersion: 3.0\n' }),
      ],
      history: [{ created_by: 'ADD rootfs /' }, { created_by: 'RUN pip install Django==3.0' }],
    });
    layout = join(dir, 'oci');
    writeOciLayout(layout, img.manifest, [img.config, ...img.layers], 'v1');
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['db', 'import', sharedPath('data', 'osv', 'PyPI'), '--data', join(dir, 'data')])).toBe(0);
    vi.restoreAllMocks();
  }, 120_000);
  afterAll(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the API report as json and trips --fail-on exactly at the threshold', async () => {
    const code = await main(['scan', `oci:${layout}:v1`, '--format', 'json', '--fail-on', 'unknown', '--data', join(dir, 'data')]);
    const report = JSON.parse(out) as { summary: Record<string, number>; packages: { name: string; vulnerabilities: { id: string }[] }[] };
    const django = report.packages.find((p) => p.name.toLowerCase() === 'django');
    expect(django?.vulnerabilities.length).toBeGreaterThan(5);
    expect(code).toBe(1);
    // PyPI advisories without NVD data carry no severity: they sit below every named threshold (as in grype).
    const worst = (['critical', 'high', 'medium', 'low'] as const).find((s) => (report.summary[s] ?? 0) > 0);
    out = '';
    const critical = await main(['scan', `oci:${layout}:v1`, '--format', 'json', '--fail-on', 'critical', '--data', join(dir, 'data')]);
    expect(critical).toBe(worst === 'critical' ? 1 : 0);
  });

  it('renders table, sarif and cyclonedx, and exits 0 without a threshold', async () => {
    expect(await main(['scan', `oci:${layout}:v1`, '--data', join(dir, 'data')])).toBe(0);
    expect(out).toMatch(/^PACKAGE\s+VERSION/m);
    expect(out.toLowerCase()).toContain('django');
    out = '';
    expect(await main(['scan', `oci:${layout}:v1`, '--format', 'sarif', '--data', join(dir, 'data')])).toBe(0);
    expect((JSON.parse(out) as { version: string }).version).toBe('2.1.0');
    out = '';
    expect(await main(['scan', `oci:${layout}:v1`, '--format', 'cyclonedx', '--data', join(dir, 'data')])).toBe(0);
    expect((JSON.parse(out) as { vulnerabilities: unknown[] }).vulnerabilities.length).toBeGreaterThan(5);
  });

  it('exits 2 on a bad format, threshold or target', async () => {
    expect(await main(['scan', `oci:${layout}:v1`, '--format', 'xml', '--data', join(dir, 'data')])).toBe(2);
    expect(await main(['scan', `oci:${layout}:v1`, '--fail-on', 'severe', '--data', join(dir, 'data')])).toBe(2);
    expect(await main(['scan', `oci:${join(dir, 'missing')}:v1`, '--data', join(dir, 'data')])).toBe(2);
    expect(err).toMatch(/crowsnest scan:/);
  });
});
