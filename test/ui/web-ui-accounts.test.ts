/**
 * Accounts in the web UI against a real `crowsnest serve`, checked against the API and the registry:
 * a personal access token created in the UI signs in to /v2/ (and shows its last use) until it is
 * revoked; an organization and a team created in the UI, a second user added to it, the team given
 * write on a repository in its Permissions tab — after which that user may push — and the visibility
 * switched; the second user sees the organization and the permissions read-only. axe-core on every page.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, seriousA11yViolations } from '../helpers/browser.js';
import { buildImage, buildLayer } from '../helpers/image-builder.js';
import { adminFetch, canStartRegistry, E2E_ADMIN, repoRoot, startRegistry, type RegistryProcess } from '../helpers/registry-process.js';
import { hasTools } from '../helpers/tools.js';

function uiBuilt(): boolean {
  if (existsSync(join(repoRoot, 'dist', 'web', 'index.html'))) return true;
  if (process.env.CROWSNEST_REQUIRE_TOOLS === '1') throw new Error('dist/web missing: run npm run build before the UI tests');
  console.warn('skipping: the web UI is not built (npm run build)');
  return false;
}

const enabled = canStartRegistry('crowsnest') && hasTools('chromium') && uiBuilt();
const BOB = { username: 'bob', password: 'bob-password-1' };
const REPO = 'acme/app';
const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;

describe.skipIf(!enabled)('accounts in the web UI', () => {
  let reg: RegistryProcess;
  let browser: Browser;
  let shots: string;
  const pageErrors: string[] = [];

  async function signedInPage(who: { username: string; password: string }): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: reg.url });
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    await page.goto('/sign-in?next=/repositories');
    await page.getByLabel('Username').fill(who.username);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(`Signed in as ${who.username}`).waitFor();
    await page.waitForURL((url) => url.pathname === '/repositories');
    return page;
  }

  async function expectAccessible(page: Page, name: string): Promise<void> {
    const violations = await seriousA11yViolations(page);
    expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
    await screenshot(page, shots, name);
  }

  beforeAll(async () => {
    reg = await startRegistry({ env: { CROWSNEST_LOG_LEVEL: 'warn' } });
    shots = mkdtempSync(join(tmpdir(), 'crowsnest-ui-accounts-screenshots-'));
    console.log(`UI screenshots: ${shots}`);
    const user = await adminFetch(`${reg.url}/api/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: BOB.username, password: BOB.password }) });
    expect(user.status).toBe(201);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await reg?.stop();
  });

  it('creates a token shown once that signs in to the registry, shows its last use, and revokes it', async () => {
    const page = await signedInPage(E2E_ADMIN);
    await page.getByRole('link', { name: 'Access tokens' }).click();
    await page.waitForURL('**/settings/tokens');
    await page.getByText('No tokens yet').waitFor();
    await expectAccessible(page, 'tokens-empty');
    await page.getByLabel('Name').fill('ci');
    await page.getByLabel('Scope').selectOption('read-write');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.getByTestId('new-token').textContent()) ?? '';
    expect(secret.length).toBeGreaterThanOrEqual(20);
    const listed = (await (await adminFetch(`${reg.url}/api/v1/user/tokens`)).json()) as { name: string; scope: string; lastUsedAt: string | null }[];
    expect(listed).toMatchObject([{ name: 'ci', scope: 'read-write', lastUsedAt: null }]);
    expect(JSON.stringify(listed)).not.toContain(secret);
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'ci', exact: true }) });
    expect(await row.textContent()).toContain('never');

    expect((await fetch(`${reg.url}/v2/`, { headers: { authorization: basic(E2E_ADMIN.username, secret) } })).status).toBe(200);
    await page.reload();
    await expect.poll(async () => (await row.locator('td').nth(3).textContent()) ?? '').not.toBe('never');
    await expectAccessible(page, 'tokens');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, shots, 'tokens-phone');
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByRole('button', { name: 'Revoke ci' }).click();
    await page.getByRole('button', { name: 'Confirm revoke ci' }).click();
    await expect.poll(async () => (await row.textContent()) ?? '').toContain('revoked');
    expect((await fetch(`${reg.url}/v2/`, { headers: { authorization: basic(E2E_ADMIN.username, secret) } })).status).toBe(401);
    await page.context().close();
  });

  it('creates an organization and a team, adds a member, grants the team write on a repository and makes it public', async () => {
    const page = await signedInPage(E2E_ADMIN);
    await page.getByRole('link', { name: 'Organizations' }).click();
    await page.waitForURL('**/organizations');
    await page.getByLabel('Name').fill('acme');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL('**/organizations/acme/teams');
    await page.getByRole('list', { name: 'Teams' }).getByRole('heading', { name: /^owners/ }).waitFor();
    await page.getByLabel('Team name').fill('devs');
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByLabel('Add a member to devs').fill(BOB.username);
    await page.getByRole('button', { name: 'Add member to devs' }).click();
    await page.getByRole('list', { name: 'Members of devs' }).getByText(BOB.username).waitFor();
    expect(await (await adminFetch(`${reg.url}/api/v1/orgs/acme/teams/devs/members`)).json()).toEqual([{ name: BOB.username }]);
    await expectAccessible(page, 'organization-teams');

    // Bob may not push to acme/app yet.
    const image = buildImage({ layers: [await buildLayer({ 'hello.txt': 'hi' })] });
    expect((await fetch(`${reg.url}/v2/${REPO}/blobs/uploads/`, { method: 'POST', headers: { authorization: basic(BOB.username, BOB.password) } })).status).toBe(403);
    for (const b of [image.config, ...image.layers]) {
      expect((await adminFetch(`${reg.url}/v2/${REPO}/blobs/uploads/?digest=${b.digest}`, { method: 'POST', body: b.bytes, headers: { 'content-type': 'application/octet-stream' } })).status).toBe(201);
    }
    expect((await adminFetch(`${reg.url}/v2/${REPO}/manifests/v1`, { method: 'PUT', body: image.manifest.bytes, headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } })).status).toBe(201);

    await page.goto(`/repositories/${REPO}/tags`);
    await page.getByRole('link', { name: 'Permissions' }).click();
    await page.waitForURL(`**/repositories/${REPO}/permissions`);
    await page.getByText('No grants').waitFor();
    await page.getByLabel('To a').selectOption('team');
    await page.getByLabel('Team (organization/team)').fill('acme/devs');
    await page.getByLabel('Level', { exact: true }).selectOption('write');
    await page.getByRole('button', { name: 'Grant' }).click();
    await page.getByRole('rowheader', { name: 'acme/devs' }).waitFor();
    expect(await (await adminFetch(`${reg.url}/api/v1/repositories/${REPO}/permissions`)).json()).toEqual([{ kind: 'team', subject: 'acme/devs', level: 'write' }]);
    expect((await fetch(`${reg.url}/v2/${REPO}/blobs/uploads/`, { method: 'POST', headers: { authorization: basic(BOB.username, BOB.password) } })).status).toBe(202);
    await expectAccessible(page, 'repository-permissions');

    await page.getByRole('button', { name: 'Make public' }).click();
    await page.getByRole('button', { name: 'Make private' }).waitFor();
    expect(((await (await adminFetch(`${reg.url}/api/v1/repositories/${REPO}`)).json()) as { visibility: string }).visibility).toBe('public');
    // Public: readable without signing in.
    expect((await fetch(`${reg.url}/api/v1/repositories/${REPO}`)).status).toBe(200);

    await page.goto('/organizations/acme/teams');
    await page.getByRole('list', { name: 'Repositories of devs' }).getByRole('link', { name: REPO }).waitFor();
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByRole('rowheader', { name: BOB.username }).waitFor();
    await expectAccessible(page, 'organization-members');
    await page.context().close();
  });

  it('shows a team member the organization and the repository permissions read-only', async () => {
    const page = await signedInPage(BOB);
    await page.goto('/organizations/acme/teams');
    await page.getByText('Only owners of acme change its teams and members.').waitFor();
    expect(await page.getByRole('button', { name: 'Create team' }).count()).toBe(0);
    expect(await page.getByRole('list', { name: 'Repositories of devs' }).getByRole('link', { name: REPO }).count()).toBe(1);
    await expectAccessible(page, 'organization-reader');
    await page.goto(`/repositories/${REPO}/permissions`);
    await page.getByRole('note').filter({ hasText: 'Only the namespace owner' }).waitFor();
    await expectAccessible(page, 'repository-permissions-reader');
    await page.context().close();
    expect(pageErrors).toEqual([]);
  });
});
