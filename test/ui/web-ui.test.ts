/**
 * The web UI in a real browser (Debian chromium via playwright-core) against a real `crowsnest serve`
 * with images pushed by skopeo: repositories list, tags with digests, settings that persist, the tag
 * overview with its platform switcher, error states, and axe-core on every page. Screenshots go to a
 * temp folder printed at the start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, screenshot, seriousA11yViolations, signIn, uiBuilt } from '../helpers/browser.js';
import { canRunE2E, run } from '../helpers/e2e.js';
import { buildImage, buildIndex, writeOciLayout, type BuiltImage, type BuiltIndex } from '../helpers/oci-image.js';
import { adminFetch, E2E_ADMIN, startRegistry, type RegistryProcess } from '../helpers/registry-process.js';
import { hasTools } from '../helpers/tools.js';


const enabled = hasTools('chromium') && canRunE2E('skopeo') && uiBuilt();
const REPORT_URL = 'https://issues.example.org/crowsnest/new';
const REPO = 'ui/app';

describe.skipIf(!enabled)('web UI in chromium', () => {
  let reg: RegistryProcess;
  let work: string;
  let shots: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let v1: BuiltImage;
  let v2: BuiltImage;
  let multi: BuiltIndex;
  const pageErrors: string[] = [];

  async function push(what: BuiltImage | BuiltIndex, tag: string): Promise<void> {
    const dir = join(work, tag);
    writeOciLayout(dir, what, tag);
    const all = 'index' in what ? ['--all'] : [];
    await run('skopeo', ['copy', '--dest-tls-verify=false', ...all, '--preserve-digests', `oci:${dir}:${tag}`, `docker://${reg.host}/${REPO}:${tag}`]);
  }

  async function expectAccessible(name: string): Promise<void> {
    const violations = await seriousA11yViolations(page);
    expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
    await screenshot(page, shots, name);
  }

  beforeAll(async () => {
    reg = await startRegistry({ env: { CROWSNEST_REPORT_PROBLEM_URL: REPORT_URL } });
    work = mkdtempSync(join(tmpdir(), 'ui-e2e-'));
    shots = mkdtempSync(join(tmpdir(), 'crowsnest-ui-screenshots-'));
    console.log(`UI screenshots: ${shots}`);
    v1 = await buildImage({ layerCount: 3, layerSize: 4096 });
    v2 = await buildImage({ layerCount: 2, layerSize: 4096 });
    multi = await buildIndex(['amd64', 'arm64']);
    await push(v1, 'v1');
    await push(v2, 'v2');
    await push(multi, 'multi');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: reg.url });
    page = await context.newPage();
    collectPageErrors(page, pageErrors);
    // Pushed repositories are private: everything below is seen as the administrator, signed in through the form.
    await signIn(page, E2E_ADMIN);
  });
  afterAll(async () => {
    await browser?.close();
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('lists the pushed repository and shows the report-a-problem link', async () => {
    await page.goto('/');
    await page.waitForURL('**/repositories');
    const link = page.getByRole('link', { name: REPO, exact: true });
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(`/${'repositories'}/${REPO}/tags`);
    expect(await page.getByRole('link', { name: 'Report a problem' }).getAttribute('href')).toBe(REPORT_URL);
    await page.getByRole('searchbox', { name: 'Search repositories' }).fill('no-such-thing');
    await page.getByText('No repository matches').waitFor();
    await page.getByRole('searchbox', { name: 'Search repositories' }).fill('app');
    await link.waitFor();
    await expectAccessible('repositories');
  });

  it('lists the tags with their digests', async () => {
    await page.goto(`/repositories/${REPO}`);
    await page.waitForURL(`**/repositories/${REPO}/tags`);
    await page.goto('/repositories');
    await page.getByRole('link', { name: REPO, exact: true }).click();
    await page.waitForURL(`**/repositories/${REPO}/tags`);
    const table = page.getByRole('table', { name: `Tags of ${REPO}` });
    await table.waitFor();
    const expected: Record<string, string> = { v1: v1.manifest.digest, v2: v2.manifest.digest, multi: multi.index.digest };
    for (const [tag, digest] of Object.entries(expected)) {
      const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: tag, exact: true }) });
      await expect.poll(() => row.locator('code').getAttribute('data-digest'), { timeout: 10_000 }).toBe(digest);
    }
    expect(await table.getByRole('row').count()).toBe(4);
    await expectAccessible('tags');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, shots, 'tags-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('changes the image insight setting, and it persists', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    const group = page.getByRole('group', { name: 'Image insight settings' });
    await group.waitFor();
    const before = (await (await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/settings`)).json()) as { analysis: string };
    expect(await group.getByRole('radio', { name: /^None/ }).isChecked()).toBe(before.analysis === 'none');
    await group.getByRole('radio', { name: /^Advanced/ }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const after = (await (await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/settings`)).json()) as { analysis: string };
    expect(after.analysis).toBe('advanced');
    await page.reload();
    await page.getByRole('group', { name: 'Image insight settings' }).waitFor();
    expect(await page.getByRole('radio', { name: /^Advanced/ }).isChecked()).toBe(true);
    await expectAccessible('settings');
  });

  it('shows the history of a tag once the advanced repository evaluated it', async () => {
    await expect
      .poll(async () => ((await (await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/tags`)).json()) as { name: string; analysis: { status: string } }[]).find((t) => t.name === 'v2')?.analysis.status, { timeout: 20_000 })
      .toBe('done');
    await page.goto(`/repositories/${REPO}/tags/v2/history`);
    const timeline = page.getByRole('list', { name: 'Vulnerability history' });
    await timeline.waitFor();
    await timeline.getByText('first evaluation after analysis').waitFor();
    const api = (await (await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/tags/v2/timeline`)).json()) as { entries: unknown[] };
    expect(await timeline.getByRole('listitem').filter({ has: page.getByRole('heading') }).count()).toBe(api.entries.length);
    await expectAccessible('tag-history');
  });

  it('adds a webhook (secret shown once), lists it with its deliveries and deletes it', async () => {
    await page.goto(`/repositories/${REPO}/webhooks`);
    await page.getByText('No webhooks').waitFor();
    await page.getByLabel('Payload URL').fill('https://hooks.example.org/crowsnest');
    await page.getByLabel('Push', { exact: true }).check();
    await page.getByLabel('Tags').selectOption('latest');
    await page.getByLabel('Minimum severity').selectOption('high');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const secret = await page.getByTestId('webhook-secret').textContent();
    expect(secret?.length ?? 0).toBeGreaterThanOrEqual(16);
    const hooks = (await (await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/webhooks`)).json()) as { url: string; events: string[]; scope: string; minSeverity: string }[];
    expect(hooks).toMatchObject([{ url: 'https://hooks.example.org/crowsnest', events: ['vulnerabilities.changed', 'push'], scope: 'latest', minSeverity: 'high' }]);
    expect(JSON.stringify(hooks)).not.toContain(secret ?? 'x');
    const list = page.getByRole('list', { name: 'Webhooks' });
    await list.getByText('https://hooks.example.org/crowsnest').waitFor();
    await list.getByText('No deliveries yet.').waitFor();
    await expectAccessible('webhooks');
    await page.getByRole('button', { name: 'Delete webhook https://hooks.example.org/crowsnest' }).click();
    await page.getByText('No webhooks').waitFor();
    expect(await (await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/webhooks`)).json()).toEqual([]);
  });

  it('shows a tag overview with layers and a platform switcher', async () => {
    await page.goto(`/repositories/${REPO}/tags/v1`);
    await page.locator('code.digest').waitFor();
    expect(await page.locator('code.digest').getAttribute('data-digest')).toBe(v1.manifest.digest);
    const layers = page.getByRole('table', { name: 'Layers' });
    expect(await layers.locator('tbody tr').count()).toBe(v1.layers.length);
    await expect.poll(() => layers.locator('tbody tr').first().textContent()).toContain('crowsnest test builder');
    await expectAccessible('tag-overview');

    await page.goto(`/repositories/${REPO}/tags/multi`);
    const select = page.getByRole('combobox', { name: 'Platform' });
    await select.waitFor();
    expect(await select.locator('option').allTextContents()).toEqual(['linux/amd64', 'linux/arm64']);
    await select.selectOption('linux/arm64');
    await page.waitForURL(/platform=linux%2Farm64|platform=linux\/arm64/);
    const arm = multi.images.find((i) => i.platform.architecture === 'arm64');
    await page.getByText(arm?.manifest.digest ?? 'missing').waitFor();
    await expectAccessible('tag-overview-multi');
  });

  it('shows the error state for unknown pages, repositories and vulnerabilities', async () => {
    await page.goto('/this/page/does-not-exist');
    await page.getByRole('alert').filter({ hasText: 'There is no page at this address.' }).waitFor();
    await expectAccessible('not-found');

    await page.goto('/repositories/nobody/nothing/tags');
    await page.getByRole('alert').filter({ hasText: 'Not found' }).waitFor();
    await expectAccessible('repository-not-found');

    await page.goto('/vulnerabilities/CVE-0000-00000');
    await page.getByRole('alert').waitFor();
    await expectAccessible('vulnerability-not-found');
  });

  it('shows a reader the settings read-only and hides the private repository from a stranger', async () => {
    const json = { 'content-type': 'application/json' };
    for (const name of ['reader', 'stranger']) {
      const res = await adminFetch(`${reg.url}/api/v1/users`, { method: 'POST', headers: json, body: JSON.stringify({ name, password: `${name}-password` }) });
      expect(res.status).toBe(201);
    }
    const grant = await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/permissions/users/reader`, { method: 'PUT', headers: json, body: JSON.stringify({ level: 'read' }) });
    expect(grant.status).toBeLessThan(300);
    const saved = ((await (await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/settings`)).json()) as { analysis: string }).analysis;

    const asUser = async (name: string): Promise<{ ctx: BrowserContext; p: Page }> => {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: reg.url });
      ctx.setDefaultTimeout(8_000);
      const p = await ctx.newPage();
      await signIn(p, { username: name, password: `${name}-password` });
      return { ctx, p };
    };

    const reader = await asUser('reader');
    try {
      await reader.p.getByRole('link', { name: REPO, exact: true }).waitFor();
      await reader.p.goto(`/repositories/${REPO}/settings`);
      await reader.p.getByRole('note').filter({ hasText: 'Only the namespace owner' }).waitFor();
      expect(await reader.p.getByRole('radio', { name: /^Advanced/ }).isDisabled()).toBe(true);
      expect(await reader.p.getByRole('button', { name: 'Save' }).count()).toBe(0);
      expect(await reader.p.getByTestId('saved-analysis').textContent()).toBe(saved);
      await screenshot(reader.p, shots, 'settings-reader');
    } finally {
      await reader.ctx.close();
    }

    const stranger = await asUser('stranger');
    try {
      await stranger.p.getByRole('heading', { name: 'Repositories' }).waitFor();
      await stranger.p.getByText(/No repositor/).waitFor();
      expect(await stranger.p.getByRole('link', { name: REPO, exact: true }).count()).toBe(0);
      await stranger.p.goto(`/repositories/${REPO}/tags`);
      await stranger.p.getByRole('alert').filter({ hasText: 'Not found' }).waitFor();
      expect(await stranger.p.getByRole('table', { name: `Tags of ${REPO}` }).count()).toBe(0);
      await screenshot(stranger.p, shots, 'stranger-private-repository');
    } finally {
      await stranger.ctx.close();
    }
  });

  it('renders the sign-in form and reports a failed sign-in', async () => {
    await page.goto('/sign-in?next=/repositories');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await expectAccessible('sign-in');
  });

  it('the accessibility check is not vacuous: it reports an image without alt text', async () => {
    await page.goto('/repositories');
    await page.getByRole('heading', { name: 'Repositories' }).waitFor();
    await page.evaluate('document.querySelector("main").insertAdjacentHTML("beforeend", "<img src=\\"/x.png\\">")');
    const violations = await seriousA11yViolations(page);
    expect(violations.map((v) => v.id)).toContain('image-alt');
  });

  it('ran without script errors or content-security-policy refusals', () => {
    expect(pageErrors).toEqual([]);
  });
});
