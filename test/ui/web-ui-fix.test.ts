/**
 * The Fix tab in a real browser (Debian chromium via playwright-core) against a real `crowsnest serve`:
 * the fix-advice scenario (Debian base, newer base tag, app image on the old base) pushed over HTTP,
 * OSV advisories imported with `crowsnest db import`; the tab's base-image switch, upgrade rows and
 * unfixable count must equal the recommendations API's numbers. Keyboard reachability, axe-core and a
 * screenshot (temp folder printed at the start) too.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForAnalysis } from '../helpers/analysis.js';
import { collectPageErrors, launchChromium, screenshot, seriousA11yViolations, signIn, uiBuilt } from '../helpers/browser.js';
import { buildFixScenario, writeFixAdvisories, type FixScenario } from '../helpers/fix-fixture.js';
import type { BuiltImage } from '../helpers/image-builder.js';
import { adminFetch, canStartRegistry, E2E_ADMIN, repoRoot, startRegistry, type RegistryProcess } from '../helpers/registry-process.js';
import { hasTools } from '../helpers/tools.js';


const enabled = hasTools('chromium') && canStartRegistry('crowsnest') && uiBuilt();

interface Counts {
  critical: number;
  high: number;
  medium: number;
  low: number;
  unknown: number;
  total: number;
}
interface Recommendations {
  packages: { name: string; installed: string; upgradeTo: string; removes: Counts; remaining: Counts }[];
  unfixable: Counts;
  baseImage?: { current: { repository: string; tag?: string }; candidates: { repository: string; tag: string; removes: Counts }[] };
}

/** The tab's text form of a removal ("−4 (2 critical, 2 high)"), computed from the API's counts. */
function removalText(c: Counts): string {
  const parts = (['critical', 'high', 'medium', 'low', 'unknown'] as const).filter((s) => c[s] > 0).map((s) => `${c[s]} ${s}`);
  return `−${c.total}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

describe.skipIf(!enabled)('web UI Fix tab in chromium', () => {
  let reg: RegistryProcess;
  let work: string;
  let shots: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let s: FixScenario;
  const pageErrors: string[] = [];

  async function push(repo: string, tag: string, image: BuiltImage): Promise<void> {
    for (const b of [image.config, ...image.layers]) {
      const res = await adminFetch(`${reg.url}/v2/${repo}/blobs/uploads/?digest=${b.digest}`, { method: 'POST', body: b.bytes, headers: { 'content-type': 'application/octet-stream' } });
      expect(res.status).toBe(201);
    }
    const res = await adminFetch(`${reg.url}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: image.manifest.bytes, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } });
    expect(res.status).toBe(201);
    await new Promise((r) => setTimeout(r, 15));
  }

  beforeAll(async () => {
    reg = await startRegistry({ env: { CROWSNEST_LOG_LEVEL: 'warn' } });
    work = mkdtempSync(join(tmpdir(), 'ui-fix-'));
    shots = mkdtempSync(join(tmpdir(), 'crowsnest-ui-fix-screenshots-'));
    console.log(`UI screenshots: ${shots}`);
    const advisories = join(work, 'advisories');
    writeFixAdvisories(advisories);
    const imported = spawnSync(process.execPath, [join(repoRoot, 'bin', 'crowsnest.js'), 'db', 'import', advisories, '--data', reg.dataDir], { encoding: 'utf8' });
    expect(imported.status, imported.stderr).toBe(0);
    s = await buildFixScenario();
    await push('ui/base', 'old', s.baseOld);
    await push('ui/base', 'new', s.baseNew);
    await push('ui/app', 'v1', s.app);
    for (const repo of ['ui/base', 'ui/app']) {
      const res = await adminFetch(`${reg.url}/api/v1/repositories/${repo}/settings`, { method: 'PUT', body: JSON.stringify({ analysis: 'basic' }), headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
    }
    for (const [repo, tag] of [['ui/base', 'old'], ['ui/base', 'new'], ['ui/app', 'v1']] as const) {
      expect((await waitForAnalysis(reg.url, repo, tag)).status, `${repo}:${tag}`).toBe('done');
    }
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: reg.url });
    page = await context.newPage();
    collectPageErrors(page, pageErrors);
    await signIn(page, E2E_ADMIN);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('shows the base image switch, the upgrades and the unfixable count exactly as the API says', async () => {
    const api = (await (await adminFetch(`${reg.url}/api/v1/repositories/ui/app/tags/v1/recommendations`)).json()) as Recommendations;
    expect(api.packages.length).toBeGreaterThan(0);
    const candidate = api.baseImage?.candidates[0];
    expect(candidate?.tag).toBe('new');

    await page.goto('/repositories/ui/app/tags/v1');
    // The overview has rendered (so the router handles the link) before the keyboard is used.
    await page.getByRole('heading', { name: 'Layers' }).waitFor();
    // Keyboard: the Fix tab is a link reached with Tab and opened with Enter.
    const fixTab = page.getByRole('link', { name: 'Fix', exact: true });
    await fixTab.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL('**/repositories/ui/app/tags/v1/fix');
    const table = page.getByRole('table', { name: 'Package upgrades' });
    await table.waitFor();

    // Base image first: the heading order and the switch line with the API's removal.
    const headings = await page.getByRole('heading', { level: 2 }).allTextContents();
    expect(headings).toEqual(['Base image', 'Package upgrades', 'No fix available']);
    const switchItem = page.getByRole('list', { name: 'Newer base images' }).getByRole('listitem');
    expect(await switchItem.count()).toBe(api.baseImage?.candidates.length);
    const first = switchItem.first();
    expect(await first.textContent()).toContain(`Switch base ${api.baseImage?.current.repository}:${api.baseImage?.current.tag} → ${candidate?.repository}:${candidate?.tag}`);
    expect(await first.locator('.fix-removes-text').textContent()).toBe(`findings removed: ${removalText(candidate?.removes ?? ({} as Counts))}`);

    // One row per upgrade, in the API's order, with its versions and removal.
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(api.packages.length);
    for (const [i, p] of api.packages.entries()) {
      const row = rows.nth(i);
      expect(await row.getAttribute('data-package')).toBe(p.name);
      const cells = row.getByRole('cell');
      expect((await cells.nth(0).textContent())?.replace(/\s+/g, ' ').trim()).toBe(`${p.installed} → ${p.upgradeTo}`);
      expect(await cells.nth(1).locator('.fix-removes-text').textContent()).toBe(`findings removed: ${removalText(p.removes)}`);
      expect(await cells.nth(1).locator('.sev').count()).toBe((['critical', 'high', 'medium', 'low', 'unknown'] as const).filter((sev) => p.removes[sev] > 0).length);
    }
    const unfixable = page.locator('.fix-unfixable');
    expect(await unfixable.getAttribute('data-total')).toBe(String(api.unfixable.total));

    const violations = await seriousA11yViolations(page);
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
    await screenshot(page, shots, 'fix-tab');
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('leaves out the base section for a base image, and shows the error state for a missing tag', async () => {
    const api = (await (await adminFetch(`${reg.url}/api/v1/repositories/ui/base/tags/new/recommendations`)).json()) as Recommendations;
    expect(api.baseImage).toBeUndefined();
    await page.goto('/repositories/ui/base/tags/new/fix');
    await page.getByRole('heading', { name: 'Package upgrades' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Base image' }).count()).toBe(0);
    expect(await page.getByRole('table', { name: 'Package upgrades' }).locator('tbody tr').count()).toBe(api.packages.length);
    expect(await page.locator('.fix-unfixable').getAttribute('data-total')).toBe(String(api.unfixable.total));
    await page.goto('/repositories/ui/app/tags/nope/fix');
    await page.getByRole('alert').filter({ hasText: 'Not found' }).first().waitFor();
    const violations = await seriousA11yViolations(page);
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
  }, 90_000);
});
