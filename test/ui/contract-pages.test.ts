/**
 * The pages whose APIs other modules are building (tags with analysis, vulnerabilities, SBOM,
 * vulnerability detail, session, repository permissions), rendered in chromium from responses shaped
 * exactly as CONTRACT.md documents them, injected with Playwright routing over a real `crowsnest serve`
 * (which serves the UI and the /v2 reads). Once those endpoints land, web-ui.test.ts covers them for real.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, seriousA11yViolations } from '../helpers/browser.js';
import { pushImageHttp } from '../helpers/http-push.js';
import { buildImage, type BuiltImage } from '../helpers/oci-image.js';
import { canStartRegistry, repoRoot, startRegistry, type RegistryProcess } from '../helpers/registry-process.js';
import { hasTools } from '../helpers/tools.js';

function serverAndUiBuilt(): boolean {
  if (canStartRegistry('crowsnest') && existsSync(join(repoRoot, 'dist', 'web', 'index.html'))) return true;
  if (process.env.CROWSNEST_REQUIRE_TOOLS === '1') throw new Error('dist/ or dist/web missing: run npm run build before the UI tests');
  console.warn('skipping: the server or the web UI is not built (npm run build)');
  return false;
}

const enabled = hasTools('chromium') && serverAndUiBuilt();
const REPO = 'contract/app';

interface Fixtures {
  repositories: unknown[];
  tags: unknown[];
  repository: unknown;
  settingsPut: { status: number; body: unknown } | undefined;
  user: { username: string } | undefined;
}

describe.skipIf(!enabled)('contract-shaped pages in chromium', () => {
  let reg: RegistryProcess;
  let shots: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let image: BuiltImage;
  let fx: Fixtures;

  const summary = { critical: 1, high: 2, medium: 0, low: 1, unknown: 0 };
  const report = () => ({
    image: { digest: image.manifest.digest, platform: 'linux/amd64', os: { id: 'debian', version: '12' } },
    evaluatedAt: '2026-11-20T10:00:00Z',
    db: { version: '2026-11-20', updatedAt: '2026-11-20T09:00:00Z' },
    summary,
    packages: [
      {
        purl: 'pkg:deb/debian/zlib1g@1.2.13',
        name: 'zlib1g',
        version: '1.2.13',
        type: 'deb',
        locations: [{ path: 'var/lib/dpkg/status', layerDigest: image.layers[0]?.digest, layerIndex: 0, createdBy: 'ADD rootfs.tar /' }],
        vulnerabilities: [{ id: 'CVE-2023-45853', aliases: [], severity: 'low', cvss: { score: 3.1, vector: null }, fixedVersions: [], source: 'debian', url: '' }],
      },
      {
        purl: 'pkg:deb/debian/openssl@3.0.11',
        name: 'openssl',
        version: '3.0.11',
        type: 'deb',
        locations: [{ path: 'var/lib/dpkg/status', layerDigest: image.layers[1]?.digest, layerIndex: 1, createdBy: 'RUN apt-get install -y openssl' }],
        vulnerabilities: [
          { id: 'CVE-2024-0727', aliases: ['GHSA-9v9h-cgj8-h64p'], severity: 'high', cvss: { score: 7.5, vector: 'CVSS:3.1/AV:N' }, fixedVersions: ['3.0.13'], source: 'debian', url: '' },
          { id: 'CVE-2024-5535', aliases: [], severity: 'critical', cvss: { score: 9.1, vector: 'CVSS:3.1/AV:N' }, fixedVersions: ['3.0.14'], source: 'debian', url: '' },
        ],
      },
      {
        purl: 'pkg:npm/lodash@4.17.20',
        name: 'lodash',
        version: '4.17.20',
        type: 'npm',
        locations: [{ path: 'app/node_modules/lodash/package.json', layerIndex: 1 }],
        vulnerabilities: [{ id: 'GHSA-35jh-r3h4-6jhm', aliases: ['CVE-2021-23337'], severity: 'high', cvss: { score: 7.2, vector: null }, fixedVersions: [], source: 'ghsa', url: '' }],
      },
    ],
  });
  const vulnerability = () => ({
    id: 'CVE-2024-5535',
    aliases: ['DSA-5678-1'],
    summary: 'SSL_select_next_proto buffer overread',
    details: 'Calling the OpenSSL API function SSL_select_next_proto with an empty supported client protocols buffer may cause a crash.',
    severity: 'critical',
    cvss: { score: 9.1, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H' },
    published: '2024-06-27T11:15:00Z',
    modified: '2024-07-12T14:15:00Z',
    affected: [{ package: { ecosystem: 'Debian:12', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.14-1~deb12u1' }] }] }],
    references: [{ type: 'ADVISORY', url: 'https://www.openssl.org/news/secadv/20240627.txt' }, { type: 'WEB', url: 'javascript:alert(1)' }],
    images: [{ repository: REPO, tag: 'v1', digest: image.manifest.digest }],
  });

  const json = (route: Route, status: number, body: unknown): Promise<void> =>
    route.fulfill({ status, contentType: status >= 400 ? 'application/problem+json' : 'application/json', body: JSON.stringify(body) });
  const problem = (status: number, code: string) => ({ type: 'about:blank', title: code, status, detail: code.toLowerCase(), code });

  async function api(route: Route): Promise<void> {
    const url = new URL(route.request().url());
    const method = route.request().method();
    const p = decodeURIComponent(url.pathname);
    if (p === '/api/v1/session') {
      if (method === 'POST') {
        const body = JSON.parse(route.request().postData() ?? '{}') as { username?: string; password?: string };
        if (body.password !== 'right') return json(route, 401, problem(401, 'UNAUTHORIZED'));
        fx.user = { username: body.username ?? '' };
        return json(route, 201, { user: { name: fx.user.username }, csrfToken: 'contract-csrf' });
      }
      if (method === 'DELETE') {
        fx.user = undefined;
        return route.fulfill({ status: 204 });
      }
      return fx.user ? json(route, 200, { user: { name: fx.user.username }, csrfToken: 'contract-csrf' }) : json(route, 401, problem(401, 'UNAUTHORIZED'));
    }
    if (p === '/api/v1/repositories') return json(route, 200, fx.repositories);
    if (p === `/api/v1/repositories/${REPO}`) return json(route, 200, fx.repository);
    if (p === `/api/v1/repositories/${REPO}/tags`) return json(route, 200, fx.tags);
    if (p === `/api/v1/repositories/${REPO}/tags/v1/vulnerabilities`) return json(route, 200, report());
    if (p === `/api/v1/repositories/${REPO}/tags/v1/sbom` && url.searchParams.get('format') === 'json') {
      return json(route, 200, {
        packages: [
          { name: 'openssl', version: '3.0.11', type: 'deb', purl: 'pkg:deb/debian/openssl@3.0.11', licenses: ['Apache-2.0'], locations: [{ path: 'var/lib/dpkg/status' }] },
          { name: 'lodash', version: '4.17.20', type: 'npm', purl: 'pkg:npm/lodash@4.17.20', licenses: ['MIT'] },
          { name: 'zlib1g', version: '1.2.13', type: 'deb', purl: 'pkg:deb/debian/zlib1g@1.2.13', licenses: ['Zlib'] },
        ],
      });
    }
    if (p === '/api/v1/vulnerabilities/CVE-2024-5535') return json(route, 200, vulnerability());
    if (p === `/api/v1/repositories/${REPO}/settings` && method === 'GET') return json(route, 200, { analysis: 'none' });
    if (p === `/api/v1/repositories/${REPO}/settings` && method === 'PUT' && fx.settingsPut) {
      return json(route, fx.settingsPut.status, fx.settingsPut.body);
    }
    return route.continue();
  }

  async function expectAccessible(name: string): Promise<void> {
    const violations = await seriousA11yViolations(page);
    expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
    await screenshot(page, shots, name);
  }

  beforeAll(async () => {
    reg = await startRegistry();
    shots = mkdtempSync(join(tmpdir(), 'crowsnest-ui-contract-screenshots-'));
    console.log(`UI screenshots (contract-shaped pages): ${shots}`);
    image = await buildImage({ layerCount: 2, layerSize: 2048 });
    await pushImageHttp(reg.url, REPO, image, 'v1');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await reg?.stop();
  });

  async function freshPage(colorScheme: 'light' | 'dark' = 'light'): Promise<void> {
    await context?.close();
    fx = {
      repositories: [{ name: REPO, visibility: 'private', summary }],
      tags: [
        { name: 'v1', digest: image.manifest.digest, pushedAt: '2026-11-20T09:30:00Z', platforms: ['linux/amd64'], analysis: { status: 'done', summary, evaluatedAt: '2026-11-20T10:00:00Z' } },
        { name: 'v2', digest: 'sha256:' + 'b'.repeat(64), pushedAt: '2026-11-21T09:30:00Z', platforms: ['linux/amd64', 'linux/arm64'], analysis: { status: 'running', summary: null, evaluatedAt: null } },
      ],
      repository: { name: REPO, visibility: 'private', permissions: { admin: true } },
      settingsPut: undefined,
      user: undefined,
    };
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: reg.url, colorScheme });
    await context.route(/\/api\/v1\//, api);
    page = await context.newPage();
  }

  it('tags tab: colour-coded counts equal the API summary, and a running analysis updates by itself', async () => {
    await freshPage();
    await page.goto(`/repositories/${REPO}/tags`);
    const v1Row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'v1', exact: true }) });
    for (const [severity, count] of Object.entries(summary)) {
      await v1Row.getByLabel(`${count} ${severity}`, { exact: true }).waitFor();
    }
    expect(await v1Row.locator('.sev-critical').textContent()).toContain('1');
    const v2Row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'v2', exact: true }) });
    await v2Row.getByText('running').first().waitFor();
    expect(await v2Row.textContent()).toContain('linux/amd64, linux/arm64');
    await expectAccessible('contract-tags');

    // The analysis finishes: the next poll (every few seconds) shows it without a reload.
    fx.tags = fx.tags.map((t) =>
      (t as { name: string }).name === 'v2' ? { ...(t as object), analysis: { status: 'done', summary: { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 } } } : t,
    );
    await v2Row.getByText('No vulnerabilities').waitFor({ timeout: 10_000 });

    // Sorting by vulnerabilities puts the worst tag first.
    await page.getByRole('button', { name: /Vulnerabilities/ }).click();
    expect(await page.getByRole('rowheader').first().textContent()).toBe('v1');
    await page.getByRole('button', { name: /Vulnerabilities/ }).click();
    expect(await page.getByRole('rowheader').first().textContent()).toBe('v2');
  });

  it('vulnerabilities tab: worst package first, expands to its CVEs, filters, and links to the CVE page', async () => {
    await freshPage();
    await page.goto(`/repositories/${REPO}/tags/v1/vulnerabilities`);
    const toggles = page.locator('.package-toggle');
    await toggles.first().waitFor();
    expect(await toggles.locator('strong').allTextContents()).toEqual(['openssl', 'lodash', 'zlib1g']);
    await page.getByRole('button', { name: /openssl/ }).click();
    expect(await page.getByRole('button', { name: /openssl/ }).getAttribute('aria-expanded')).toBe('true');
    const cves = page.getByRole('table', { name: 'Vulnerabilities of openssl' });
    expect(await cves.getByRole('rowheader').locator('a').allTextContents()).toEqual(['CVE-2024-5535', 'CVE-2024-0727']);
    expect(await cves.getByRole('row').nth(1).textContent()).toContain('3.0.14');
    expect(await page.locator('.package-detail').textContent()).toContain('introduced in layer 2');
    await expectAccessible('contract-vulnerabilities');

    await page.getByRole('checkbox', { name: 'Fixable only' }).check();
    expect(await toggles.locator('strong').allTextContents()).toEqual(['openssl']);
    await page.getByRole('checkbox', { name: 'Fixable only' }).uncheck();
    await page.getByRole('combobox', { name: 'Package type' }).selectOption('npm');
    expect(await toggles.locator('strong').allTextContents()).toEqual(['lodash']);
    await page.getByRole('combobox', { name: 'Package type' }).selectOption('');
    await page.getByRole('checkbox', { name: 'critical' }).uncheck();
    await page.getByRole('checkbox', { name: 'high' }).uncheck();
    expect(await toggles.locator('strong').allTextContents()).toEqual(['zlib1g']);
    await page.getByRole('checkbox', { name: 'critical' }).check();

    await page.getByRole('link', { name: 'CVE-2024-5535' }).click();
    await page.waitForURL('**/vulnerabilities/CVE-2024-5535');
    const imageLink = page.getByRole('link', { name: `${REPO}:v1` });
    await imageLink.waitFor();
    expect(await page.getByText('SSL_select_next_proto buffer overread').count()).toBe(1);
    expect(await page.getByText('introduced 0, fixed 3.0.14-1~deb12u1').count()).toBe(1);
    // Only http(s) references become links.
    expect(await page.getByRole('link', { name: 'javascript:alert(1)' }).count()).toBe(0);
    await expectAccessible('contract-vulnerability-page');
    await imageLink.click();
    await page.waitForURL(`**/repositories/${REPO}/tags/v1/vulnerabilities`);
  });

  it('packages tab: searchable SBOM with CycloneDX and SPDX downloads', async () => {
    await freshPage();
    await page.goto(`/repositories/${REPO}/tags/v1/packages`);
    const table = page.getByRole('table', { name: 'Packages' });
    await table.waitFor();
    expect(await table.getByRole('rowheader').allTextContents()).toEqual(['lodash', 'openssl', 'zlib1g']);
    await page.getByRole('searchbox', { name: 'Search packages' }).fill('pkg:deb');
    expect(await table.getByRole('rowheader').allTextContents()).toEqual(['openssl', 'zlib1g']);
    expect(await page.getByRole('link', { name: 'Download CycloneDX' }).getAttribute('href')).toBe(`/api/v1/repositories/${REPO}/tags/v1/sbom?format=cyclonedx`);
    expect(await page.getByRole('link', { name: 'Download SPDX' }).getAttribute('href')).toBe(`/api/v1/repositories/${REPO}/tags/v1/sbom?format=spdx`);
    await expectAccessible('contract-packages');
  });

  // The real server always states the caller's rights (web-ui.test.ts signs in as a reader); this covers
  // a response without them, where only the 403 of a save reveals that the caller may not change settings.
  it('settings: read-only for a non-admin up front, and after a save answered 403', async () => {
    await freshPage();
    fx.repository = { name: REPO, visibility: 'private', permissions: { admin: false } };
    await page.goto(`/repositories/${REPO}/settings`);
    await page.getByRole('note').filter({ hasText: 'Only the namespace owner' }).waitFor();
    expect(await page.getByRole('radio', { name: /^Advanced/ }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save' }).count()).toBe(0);
    await expectAccessible('contract-settings-read-only');

    fx.repository = { name: REPO };
    fx.settingsPut = { status: 403, body: problem(403, 'DENIED') };
    await page.reload();
    await page.getByRole('radio', { name: /^Basic/ }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('note').filter({ hasText: 'Only the namespace owner' }).waitFor();
    expect(await page.getByRole('radio', { name: /^Basic/ }).isDisabled()).toBe(true);
    expect(await page.getByTestId('saved-analysis').textContent()).toBe('none');
  });

  it('sign-in: wrong password, then signed in and back to the page, then signed out', async () => {
    await freshPage();
    await page.goto(`/sign-in?next=${encodeURIComponent(`/repositories/${REPO}/tags`)}`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
    await page.getByLabel('Password').fill('right');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`**/repositories/${REPO}/tags`);
    await page.getByText('Signed in as').waitFor();
    expect(await page.locator('.session strong').textContent()).toBe('admin');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in');
    expect(fx.user).toBeUndefined();
  });

  it('a 401 from the API leads to sign-in with the way back', async () => {
    await freshPage();
    await context.route(`**/api/v1/repositories/${REPO}/tags`, (route) => json(route, 401, problem(401, 'UNAUTHORIZED')));
    await page.goto(`/repositories/${REPO}/tags`);
    await page.waitForURL(/\/sign-in\?next=/);
    expect(new URL(page.url()).searchParams.get('next')).toBe(`/repositories/${REPO}/tags`);
  });

  it('dark colour scheme keeps the contrast of the tags and vulnerabilities pages', async () => {
    await freshPage('dark');
    await page.goto(`/repositories/${REPO}/tags`);
    await page.getByRole('rowheader', { name: 'v1', exact: true }).waitFor();
    await expectAccessible('contract-tags-dark');
    await page.goto(`/repositories/${REPO}/tags/v1/vulnerabilities`);
    await page.getByRole('button', { name: /openssl/ }).click();
    await expectAccessible('contract-vulnerabilities-dark');
  });

  it('repositories from the API: visibility and summary badges; the empty state', async () => {
    await freshPage();
    await page.goto('/repositories');
    const card = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: REPO }) });
    await card.waitFor();
    expect(await card.textContent()).toContain('private');
    await card.getByLabel('1 critical', { exact: true }).waitFor();
    await expectAccessible('contract-repositories');
    fx.repositories = [];
    await page.reload();
    await page.getByText('No repositories yet').waitFor();
    await expectAccessible('contract-repositories-empty');
  });

  it('shows the loading state while the API answers slowly', async () => {
    await freshPage();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await context.route(`**/api/v1/repositories/${REPO}/tags`, async (route) => {
      await gate;
      await json(route, 200, fx.tags);
    });
    await page.goto(`/repositories/${REPO}/tags`);
    await page.getByRole('status').filter({ hasText: 'Loading tags…' }).waitFor();
    release();
    await page.getByRole('rowheader', { name: 'v1', exact: true }).waitFor();
    expect(await page.getByText('Loading tags…').count()).toBe(0);
  });

  it('works from the keyboard: sort the tags, open a tag, expand a package', async () => {
    await freshPage();
    await page.goto(`/repositories/${REPO}/tags`);
    await page.getByRole('rowheader', { name: 'v1', exact: true }).waitFor();
    await page.getByRole('button', { name: /^Tag/ }).focus();
    await page.keyboard.press('Enter');
    expect(await page.getByRole('columnheader', { name: /^Tag/ }).getAttribute('aria-sort')).toBe('ascending');
    expect(await page.getByRole('rowheader').allTextContents()).toEqual(['v1', 'v2']);
    await page.keyboard.press('Enter');
    expect(await page.getByRole('columnheader', { name: /^Tag/ }).getAttribute('aria-sort')).toBe('descending');
    expect(await page.getByRole('rowheader').allTextContents()).toEqual(['v2', 'v1']);
    await page.getByRole('link', { name: 'v1', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/repositories/${REPO}/tags/v1`);
    await page.getByRole('link', { name: 'Vulnerabilities' }).focus();
    await page.keyboard.press('Enter');
    const toggle = page.getByRole('button', { name: /lodash/ });
    await toggle.focus();
    await page.keyboard.press('Space');
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await page.getByRole('table', { name: 'Vulnerabilities of lodash' }).waitFor();
  });

  it('a failed background refresh keeps the table and polling continues', async () => {
    await freshPage();
    await page.goto(`/repositories/${REPO}/tags`);
    const v2Row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'v2', exact: true }) });
    await v2Row.getByText('running').first().waitFor();
    let failures = 0;
    await context.route(`**/api/v1/repositories/${REPO}/tags`, async (route) => {
      if (failures++ === 0) return json(route, 500, problem(500, 'INTERNAL'));
      return route.fallback();
    });
    fx.tags = fx.tags.map((t) => ((t as { name: string }).name === 'v2' ? { ...(t as object), analysis: { status: 'failed' } } : t));
    await v2Row.getByText('failed').waitFor({ timeout: 15_000 });
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(await page.getByRole('alert').count()).toBe(0);
  });
});
