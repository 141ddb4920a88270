/**
 * The account pages of the web UI in a real browser (Debian chromium via playwright-core) against a real
 * `crowsnest serve`: personal access tokens that really sign in and stop working once revoked,
 * organizations and teams, and repository permissions that really let a team member push. Every step is
 * checked against the API, axe-core runs on every page, screenshots go to a temp folder printed at the start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, screenshot, seriousA11yViolations, signIn, uiBuilt } from '../helpers/browser.js';
import { canRunE2E, run } from '../helpers/e2e.js';
import { buildImage, writeOciLayout } from '../helpers/oci-image.js';
import { adminFetch, E2E_ADMIN, startRegistry, type RegistryProcess } from '../helpers/registry-process.js';
import { hasTools } from '../helpers/tools.js';


const enabled = hasTools('chromium') && canRunE2E('skopeo') && uiBuilt();
const REPO = 'shop/app';
const ORG = 'acme';
const TEAM = 'devs';
const DEV = { name: 'dev', password: 'dev-password-1' };
const basic = (user: string, secret: string): string => `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
const json = { 'content-type': 'application/json' };

describe.skipIf(!enabled)('web UI account pages in chromium', () => {
  let reg: RegistryProcess;
  let work: string;
  let shots: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await adminFetch(`${reg.url}/api/v1${path}`, init);
    expect(res.status, `${path}: ${res.status}`).toBeLessThan(300);
    return (await res.json()) as T;
  }

  async function expectAccessible(p: Page, name: string): Promise<void> {
    const violations = await seriousA11yViolations(p);
    expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
    await screenshot(p, shots, name);
  }

  async function phoneShot(p: Page, name: string): Promise<void> {
    await p.setViewportSize({ width: 390, height: 844 });
    await screenshot(p, shots, name);
    // Nothing may stick out sideways at phone width (tables and the tab row scroll inside their own box).
    const wide = await p.evaluate<string[]>(
      `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap, .tabs')).map((e) => e.tagName + '.' + e.className).slice(0, 5)`,
    );
    expect(wide, `${name} overflows at 390px`).toEqual([]);
    expect(await p.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'), `${name} scrolls sideways at 390px`).toBe(true);
    await p.setViewportSize({ width: 1280, height: 800 });
  }

  beforeAll(async () => {
    reg = await startRegistry();
    work = mkdtempSync(join(tmpdir(), 'ui-accounts-e2e-'));
    shots = mkdtempSync(join(tmpdir(), 'crowsnest-ui-accounts-screenshots-'));
    console.log(`UI screenshots: ${shots}`);
    const image = await buildImage({ layerCount: 1, layerSize: 2048 });
    writeOciLayout(join(work, 'v1'), image, 'v1');
    await run('skopeo', ['copy', '--dest-tls-verify=false', '--preserve-digests', `oci:${join(work, 'v1')}:v1`, `docker://${reg.host}/${REPO}:v1`]);
    const created = await adminFetch(`${reg.url}/api/v1/users`, { method: 'POST', headers: json, body: JSON.stringify(DEV) });
    expect(created.status).toBe(201);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: reg.url });
    context.setDefaultTimeout(10_000);
    page = await context.newPage();
    collectPageErrors(page, pageErrors);
    await signIn(page, E2E_ADMIN);
  });
  afterAll(async () => {
    await browser?.close();
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('creates a token shown once that signs in to the registry, records its use, and stops working when revoked', async () => {
    await page.getByRole('link', { name: 'Access tokens' }).click();
    await page.waitForURL('**/settings/tokens');
    await page.getByText('No tokens').waitFor();
    await expectAccessible(page, 'tokens-empty');

    await page.getByLabel('Name').fill('ci');
    await page.getByLabel('Scope').selectOption('read-write');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.getByTestId('new-token').textContent()) ?? '';
    expect(secret.length).toBeGreaterThan(20);
    await page.getByText(`docker login ${reg.host} -u ${E2E_ADMIN.username}`).waitFor();
    await expectAccessible(page, 'token-created');

    type Token = { id: string; name: string; scope: string; lastUsedAt: string | null; revokedAt: string | null };
    const listed = await api<Token[]>('/user/tokens');
    expect(listed.map((t) => [t.name, t.scope, t.lastUsedAt])).toEqual([['ci', 'read-write', null]]);
    expect(JSON.stringify(listed)).not.toContain(secret);
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'ci', exact: true }) });
    expect(await row.getByTestId('last-used').textContent()).toBe('never');

    // The token is a password for the registry: the token endpoint docker login uses, then /v2/.
    const auth = basic(E2E_ADMIN.username, secret);
    const tokenRes = await fetch(`${reg.url}/auth/token?service=crowsnest&scope=repository:${REPO}:pull`, { headers: { authorization: auth } });
    expect(tokenRes.status).toBe(200);
    expect((await fetch(`${reg.url}/v2/`, { headers: { authorization: auth } })).status).toBe(200);
    const used = (await api<Token[]>('/user/tokens'))[0];
    expect(used?.lastUsedAt).not.toBeNull();

    // The secret is shown once: after a reload only the list remains, now with the last use.
    await page.reload();
    await row.waitFor();
    expect(await page.getByTestId('new-token').count()).toBe(0);
    await expect.poll(() => row.getByTestId('last-used').textContent()).not.toBe('never');
    await expectAccessible(page, 'tokens');
    await phoneShot(page, 'tokens-phone');

    await row.getByRole('button', { name: 'Revoke token ci' }).click();
    await row.getByText('Revoke “ci”?').waitFor();
    // Keyboard users land in the confirmation, on Cancel; Shift+Tab reaches the revoke button.
    expect(await page.evaluate<string | null | undefined>('document.activeElement?.textContent')).toBe('Cancel');
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate<string | null | undefined>('document.activeElement?.textContent')).toBe('Yes, revoke');
    await expectAccessible(page, 'token-revoke-confirm');
    await row.getByRole('button', { name: 'Yes, revoke' }).click();
    await page.getByText('No tokens').waitFor();
    const after = await api<Token[]>('/user/tokens');
    expect(after.filter((t) => t.revokedAt === null)).toEqual([]);
    expect((await fetch(`${reg.url}/v2/`, { headers: { authorization: auth } })).status).toBe(401);
    expect((await fetch(`${reg.url}/auth/token?service=crowsnest&scope=repository:${REPO}:pull`, { headers: { authorization: auth } })).status).toBe(401);

    // An optional expiry: the date picked is the last day the token works (until its end, UTC).
    const day = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Name').fill('week');
    await page.getByLabel('Expires (optional)').fill(day);
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByTestId('new-token').waitFor();
    const week = (await api<Token[]>('/user/tokens')).find((t) => t.name === 'week' && t.revokedAt === null);
    expect(week).toMatchObject({ scope: 'read', expiresAt: `${day}T23:59:59.000Z` });
    await page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'week', exact: true }) }).getByRole('cell').nth(2).filter({ hasNotText: 'never' }).waitFor();
  });

  it('creates an organization and a team and adds a member', async () => {
    await page.getByRole('link', { name: 'Organizations' }).click();
    await page.waitForURL('**/organizations');
    await page.getByText('No organizations').waitFor();
    await expectAccessible(page, 'organizations-empty');
    await page.getByLabel('Name').fill(ORG);
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(`**/organizations/${ORG}/teams`);
    await page.getByRole('heading', { name: /^owners/ }).waitFor();
    expect(await api<{ name: string }[]>('/orgs')).toEqual([{ name: ORG }]);

    await page.getByLabel('Team name').fill(TEAM);
    await page.getByRole('button', { name: 'Create team' }).click();
    await page.getByRole('heading', { name: TEAM }).waitFor();
    expect((await api<{ name: string }[]>(`/orgs/${ORG}/teams`)).map((t) => t.name).sort()).toEqual([TEAM, 'owners']);

    await page.getByLabel(`Add member to ${TEAM}`).fill(DEV.name);
    await page.getByLabel(`Add member to ${TEAM}`).press('Enter');
    await page.getByRole('list', { name: `Members of ${TEAM}` }).getByText(DEV.name).waitFor();
    expect(await api(`/orgs/${ORG}/teams/${TEAM}/members`)).toEqual([{ name: DEV.name }]);
    // Someone who does not exist: the API's 404 is shown in the team, and nothing changes.
    await page.getByLabel(`Add member to ${TEAM}`).fill('ghost');
    await page.getByLabel(`Add member to ${TEAM}`).press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Not found' }).waitFor();
    expect(await api(`/orgs/${ORG}/teams/${TEAM}/members`)).toEqual([{ name: DEV.name }]);
    await expectAccessible(page, 'organization-teams');
    await phoneShot(page, 'organization-teams-phone');

    await page.getByRole('link', { name: 'Members' }).click();
    const members = page.getByRole('table', { name: 'Members and their teams' });
    await members.waitFor();
    expect(await members.getByRole('row').filter({ has: page.getByRole('rowheader', { name: DEV.name }) }).getByRole('cell').textContent()).toBe(TEAM);
    expect(await members.getByRole('row').filter({ has: page.getByRole('rowheader', { name: E2E_ADMIN.username }) }).getByRole('cell').textContent()).toBe('owners');
    await expectAccessible(page, 'organization-members');
    await page.goto('/organizations');
    await page.getByRole('link', { name: ORG }).waitFor();
    await expectAccessible(page, 'organizations');
    await page.goto('/organizations/no-such-org/members');
    await page.getByRole('alert').filter({ hasText: 'Not found' }).waitFor();
    await expectAccessible(page, 'organization-not-found');
  });

  it('gives the team write on a repository in the Permissions tab, which lets its member push', async () => {
    const devAuth = basic(DEV.name, DEV.password);
    const uploadAsDev = (): Promise<Response> => fetch(`${reg.url}/v2/${REPO}/blobs/uploads/`, { method: 'POST', headers: { authorization: devAuth } });
    expect((await uploadAsDev()).status).toBe(403);

    await page.goto(`/repositories/${REPO}/tags`);
    await page.getByRole('link', { name: 'Permissions' }).click();
    await page.waitForURL(`**/repositories/${REPO}/permissions`);
    await page.getByText('No one has been given access').waitFor();
    expect(await page.getByTestId('my-access').textContent()).toBe('pull, push, delete, admin');
    await expectAccessible(page, 'permissions-empty');

    await page.getByLabel('To a').selectOption('team');
    await page.getByLabel('Team (organization/team)').fill(`${ORG}/${TEAM}`);
    await page.getByLabel('Role', { exact: true }).selectOption('write');
    await page.getByRole('button', { name: 'Give access' }).click();
    const roleSelect = page.getByRole('combobox', { name: `Role of team ${ORG}/${TEAM}` });
    await roleSelect.waitFor();
    expect(await api(`/repositories/${REPO}/permissions`)).toEqual([{ kind: 'team', subject: `${ORG}/${TEAM}`, level: 'write' }]);

    // The grant is real: the team member gets push in a registry token and may start an upload.
    const tokenRes = await fetch(`${reg.url}/auth/token?service=crowsnest&scope=repository:${REPO}:pull,push`, { headers: { authorization: devAuth } });
    const registryToken = ((await tokenRes.json()) as { token: string }).token;
    const claims = JSON.parse(Buffer.from(registryToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { access: { name: string; actions: string[] }[] };
    expect(claims.access).toEqual([{ type: 'repository', name: REPO, actions: ['pull', 'push'] }]);
    expect((await uploadAsDev()).status).toBe(202);

    // The organization's Repositories tab shows the same grant.
    await page.goto(`/organizations/${ORG}/repositories`);
    const teamRepos = page.getByRole('table', { name: `Repository permissions of the teams of ${ORG}` });
    await teamRepos.getByRole('link', { name: REPO }).waitFor();
    expect(await api(`/orgs/${ORG}/teams/${TEAM}/repositories`)).toEqual([{ repository: REPO, level: 'write' }]);
    await expectAccessible(page, 'organization-repositories');

    // Add a user, change a role, remove it again, switch visibility: each lands in the API.
    await page.goto(`/repositories/${REPO}/permissions`);
    await page.getByLabel('Username').fill(DEV.name);
    await page.getByLabel('Role', { exact: true }).selectOption('read');
    await page.getByRole('button', { name: 'Give access' }).click();
    const userRole = page.getByRole('combobox', { name: `Role of user ${DEV.name}` });
    await userRole.waitFor();
    await userRole.selectOption('admin');
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await expect
      .poll(async () => (await api<{ kind: string; level: string }[]>(`/repositories/${REPO}/permissions`)).find((p) => p.kind === 'user')?.level)
      .toBe('admin');
    await page.getByRole('button', { name: `Remove user ${DEV.name}` }).click();
    await userRole.waitFor({ state: 'detached' });
    expect(await api(`/repositories/${REPO}/permissions`)).toEqual([{ kind: 'team', subject: `${ORG}/${TEAM}`, level: 'write' }]);

    expect(await page.getByTestId('visibility').textContent()).toBe('private');
    await page.getByRole('button', { name: 'Make public' }).click();
    await page.getByRole('button', { name: 'Make private' }).waitFor();
    expect(await api<{ visibility: string }>(`/repositories/${REPO}`)).toMatchObject({ visibility: 'public' });
    expect((await fetch(`${reg.url}/api/v1/repositories/${REPO}`)).status).toBe(200);
    await page.getByRole('button', { name: 'Make private' }).click();
    await page.getByRole('button', { name: 'Make public' }).waitFor();
    expect(await api<{ visibility: string }>(`/repositories/${REPO}`)).toMatchObject({ visibility: 'private' });
    await expectAccessible(page, 'permissions');
    await phoneShot(page, 'permissions-phone');
  });

  it('shows a non-admin the Permissions tab and the organization read-only', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: reg.url });
    ctx.setDefaultTimeout(10_000);
    const p = await ctx.newPage();
    collectPageErrors(p, pageErrors);
    try {
      await signIn(p, { username: DEV.name, password: DEV.password });
      await p.goto(`/repositories/${REPO}/permissions`);
      await p.getByRole('note').filter({ hasText: 'Only the namespace owner' }).waitFor();
      expect(await p.getByTestId('my-access').textContent()).toBe('pull, push');
      expect(await p.getByTestId('visibility').textContent()).toBe('private');
      expect(await p.getByRole('button', { name: /^Make / }).count()).toBe(0);
      expect(await p.getByRole('button', { name: 'Give access' }).count()).toBe(0);
      expect(await p.getByRole('combobox').count()).toBe(0);
      // The API agrees: dev may not read or change the permissions.
      expect((await fetch(`${reg.url}/api/v1/repositories/${REPO}/permissions`, { headers: { authorization: basic(DEV.name, DEV.password) } })).status).toBe(403);
      await expectAccessible(p, 'permissions-non-admin');

      await p.goto(`/organizations/${ORG}/teams`);
      await p.getByRole('note').filter({ hasText: 'Only the organization’s owners' }).waitFor();
      await p.getByRole('list', { name: `Members of ${TEAM}` }).getByText(DEV.name).waitFor();
      expect(await p.getByRole('button', { name: 'Create team' }).count()).toBe(0);
      expect(await p.getByRole('button', { name: /^Remove / }).count()).toBe(0);
      expect(await p.getByRole('button', { name: /^Delete team/ }).count()).toBe(0);
      await expectAccessible(p, 'organization-teams-non-owner');
      await p.goto(`/organizations/${ORG}/repositories`);
      await p.getByRole('link', { name: REPO }).waitFor();
      await phoneShot(p, 'organization-repositories-phone');
    } finally {
      await ctx.close();
    }
  });

  it('ran without script errors or content-security-policy refusals', () => {
    expect(pageErrors).toEqual([]);
  });
});
