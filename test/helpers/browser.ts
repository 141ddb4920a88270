/**
 * Browser plumbing for the UI tests and the UI benchmark: launches Debian's chromium through
 * playwright-core (no bundled browser download), runs axe-core in a page, and writes screenshots.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from './registry-process.js';
import { findTool } from './tools.js';

const require = createRequire(import.meta.url);

/** The chromium binary scripts/install-test-deps.sh installs (Debian names it chromium). */
export function chromiumPath(): string | undefined {
  return findTool('chromium') ?? findTool('chromium-browser');
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('chromium not installed (run scripts/install-test-deps.sh)');
  // CI runs as root, where chromium refuses its sandbox; the pages are our own, served from loopback.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

let axeScript: string | undefined;
function axeSource(): string {
  axeScript ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  return axeScript;
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: readonly string[];
}

/** axe-core's violations of impact serious or critical on the current page. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate<boolean>('typeof window.axe !== "undefined"');
  // Evaluated through DevTools rather than added as a <script>, which the page's CSP (rightly) refuses.
  if (!loaded) await page.evaluate(axeSource());
  // A string expression: this module is compiled without the DOM lib, and axe lives on the page's window.
  const violations = await page.evaluate<AxeViolation[]>(`
    window.axe.run(document, { resultTypes: ['violations'] }).then((r) =>
      r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => String(n.target)) })))
  `);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Whether the web UI is built (dist/web); in CI (CROWSNEST_REQUIRE_TOOLS=1) a missing build is an error. */
export function uiBuilt(): boolean {
  if (existsSync(join(repoRoot, 'dist', 'web', 'index.html'))) return true;
  if (process.env.CROWSNEST_REQUIRE_TOOLS === '1') throw new Error('dist/web missing: run npm run build before the UI tests');
  console.warn('skipping: the web UI is not built (npm run build)');
  return false;
}

/**
 * Signs in through the form and waits until the session shows and `next` is reached (a URL glob ending
 * in /repositories would also match the sign-in page's own address, ?next=/repositories).
 */
export async function signIn(page: Page, who: { readonly username: string; readonly password: string }, next = '/repositories'): Promise<void> {
  await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${who.username}`).waitFor();
  await page.waitForURL((url) => url.pathname === next);
}

/**
 * Collects the page's script errors and console errors into `errors`; failed requests are left out
 * (error-state pages, 403 notices and revoked tokens ask for things that are not there on purpose).
 */
export function collectPageErrors(page: Page, errors: string[]): void {
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
}
