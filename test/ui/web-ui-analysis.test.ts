/**
 * The Docker Hub flow on real analysis, in a real browser: a real `crowsnest serve` with the real PyPI
 * advisories of ../shared imported by `crowsnest db import`, an image with old Django, PyYAML, aiohttp
 * and urllib3 pushed and analyzed; signed in through the form, the tags list shows the API's counts, the tag's
 * Vulnerabilities tab lists the worst package first and expands it to its advisories with the
 * introducing layer, and an advisory's page lists the image and links back. axe-core on every page.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForAnalysis } from '../helpers/analysis.js';
import { launchChromium, screenshot, seriousA11yViolations, signIn, uiBuilt } from '../helpers/browser.js';
import { buildImage, buildLayer, type BuiltImage } from '../helpers/image-builder.js';
import { adminFetch, canStartRegistry, E2E_ADMIN, repoRoot, startRegistry, type RegistryProcess } from '../helpers/registry-process.js';
import { hasShared, sharedPath } from '../helpers/shared.js';
import { hasTools } from '../helpers/tools.js';

const REPO = 'shop/web';
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'] as const;


const enabled = hasShared('data', 'osv', 'PyPI') && canStartRegistry('crowsnest') && hasTools('chromium') && uiBuilt();

type Severity = (typeof SEVERITIES)[number];
interface Report {
  summary: Record<Severity, number>;
  packages: { name: string; locations: { layerIndex: number }[]; vulnerabilities: { id: string; severity: Severity; fixedVersions: string[] }[] }[];
}

const metadata = (name: string, version: string) => `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`;
const rank = (s: Severity) => SEVERITIES.indexOf(s);

describe.skipIf(!enabled)('web UI on a really analyzed image (real PyPI advisories)', () => {
  let reg: RegistryProcess;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let image: BuiltImage;
  let report: Report;
  const pageErrors: string[] = [];

  async function expectAccessible(name: string): Promise<void> {
    const violations = await seriousA11yViolations(page);
    expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
    await screenshot(page, shots, name);
  }

  beforeAll(async () => {
    reg = await startRegistry({ env: { CROWSNEST_LOG_LEVEL: 'warn' } });
    shots = mkdtempSync(join(tmpdir(), 'crowsnest-ui-analysis-screenshots-'));
    console.log(`UI screenshots: ${shots}`);
    const imported = spawnSync(process.execPath, [join(repoRoot, 'bin', 'crowsnest.js'), 'db', 'import', sharedPath('data', 'osv', 'PyPI'), '--data', reg.dataDir], { encoding: 'utf8' });
    expect(imported.status, imported.stderr).toBe(0);

    image = buildImage({
      layers: [
        await buildLayer({ 'etc/os-release': 'ID=debian\nVERSION_ID=12\n' }),
        await buildLayer({
          'usr/lib/python3/site-packages/Django-3.0.dist-info/METADATA': metadata('Django', '3.0'),
          'usr/lib/python3/site-packages/PyYAML-5.3.dist-info/METADATA': metadata('PyYAML', '5.3'),
          'usr/lib/python3/site-packages/aiohttp-3.8.0.dist-info/METADATA': metadata('aiohttp', '3.8.0'),
          'usr/lib/python3/site-packages/urllib3-1.26.4.dist-info/METADATA': metadata('urllib3', '1.26.4'),
        }),
      ],
      history: [{ created_by: 'ADD rootfs /' }, { created_by: 'RUN pip install Django==3.0 PyYAML==5.3 aiohttp==3.8.0 urllib3==1.26.4' }],
    });
    const settings = await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ analysis: 'basic' }) });
    expect(settings.status).toBe(200);
    for (const b of [image.config, ...image.layers]) {
      const res = await adminFetch(`${reg.url}/v2/${REPO}/blobs/uploads/?digest=${b.digest}`, { method: 'POST', body: b.bytes, headers: { 'content-type': 'application/octet-stream' } });
      expect(res.status).toBe(201);
    }
    const put = await adminFetch(`${reg.url}/v2/${REPO}/manifests/v1`, { method: 'PUT', body: image.manifest.bytes, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    expect(put.status).toBe(201);
    expect((await waitForAnalysis(reg.url, REPO, 'v1')).status, reg.output()).toBe('done');
    report = (await (await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/tags/v1/vulnerabilities`)).json()) as Report;

    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: reg.url });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    await signIn(page, E2E_ADMIN, `/repositories/${REPO}/tags`);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await reg?.stop();
  });

  it('the real report has findings to show', () => {
    // PYSEC advisories with a CVSS vector (aiohttp, urllib3) rate; the rest stay unknown.
    expect(report.summary.critical + report.summary.high + report.summary.medium).toBeGreaterThan(0);
    expect(report.summary.unknown).toBeGreaterThan(0);
    expect(report.packages.map((p) => p.name.toLowerCase()).sort()).toEqual(['aiohttp', 'django', 'pyyaml', 'urllib3']);
  });

  it('shows the tag summary with the counts of the API', async () => {
    const tags = (await (await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/tags`)).json()) as { name: string; analysis: { summary: Record<Severity, number> } }[];
    const summary = tags.find((t) => t.name === 'v1')?.analysis.summary;
    expect(summary).toEqual(report.summary);
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'v1', exact: true }) });
    for (const severity of SEVERITIES) {
      await row.getByLabel(`${summary?.[severity] ?? -1} ${severity}`, { exact: true }).waitFor();
    }
    await expectAccessible('analysis-tags');
  });

  it('opens the tag, expands the worst package to its advisories and opens one', async () => {
    await page.getByRole('rowheader', { name: 'v1', exact: true }).getByRole('link').click();
    await page.waitForURL(`**/repositories/${REPO}/tags/v1`);
    await page.getByRole('link', { name: /^Vulnerabilities/ }).click();
    await page.waitForURL(`**/repositories/${REPO}/tags/v1/vulnerabilities`);
    const toggles = page.locator('.package-toggle');
    await toggles.first().waitFor();
    // Worst package first: the most severe finding, then the number of findings.
    const worst = [...report.packages].sort((a, b) => {
      const wa = Math.min(...a.vulnerabilities.map((v) => rank(v.severity)));
      const wb = Math.min(...b.vulnerabilities.map((v) => rank(v.severity)));
      return wa - wb || b.vulnerabilities.length - a.vulnerabilities.length;
    })[0];
    expect(worst).toBeDefined();
    expect(await toggles.locator('strong').allTextContents()).toHaveLength(report.packages.length);
    expect((await toggles.locator('strong').first().textContent())?.toLowerCase()).toBe(worst?.name.toLowerCase());
    await toggles.first().click();
    expect(await toggles.first().getAttribute('aria-expanded')).toBe('true');
    const table = page.getByRole('table', { name: `Vulnerabilities of ${worst?.name}` });
    await table.waitFor();
    const shown = await table.getByRole('rowheader').locator('a').allTextContents();
    expect(shown.sort()).toEqual((worst?.vulnerabilities.map((v) => v.id) ?? []).sort());
    expect(await page.locator('.package-detail').first().textContent()).toContain(`introduced in layer ${(worst?.locations[0]?.layerIndex ?? -1) + 1}`);
    await expectAccessible('analysis-vulnerabilities');

    const id = shown[0] as string;
    await table.getByRole('link', { name: id, exact: true }).click();
    await page.waitForURL(`**/vulnerabilities/${encodeURIComponent(id)}`);
    const imageLink = page.getByRole('link', { name: `${REPO}:v1` });
    await imageLink.waitFor();
    await expectAccessible('analysis-vulnerability-page');
    await imageLink.click();
    await page.waitForURL(`**/repositories/${REPO}/tags/v1/vulnerabilities`);
    expect(pageErrors).toEqual([]);
  });
});
