/**
 * First start: with no users at all, create the site admin `admin`. Its password comes from
 * CROWSNEST_ADMIN_PASSWORD (through the config), else a generated one printed once to stderr.
 */
import type { AccountsStore } from './accounts-store.js';
import { generatePassword } from './secrets.js';

export async function ensureFirstAdmin(
  accounts: AccountsStore,
  configuredPassword: string | undefined,
  announce: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<boolean> {
  if ((await accounts.countUsers()) > 0) return false;
  const password = configuredPassword ?? generatePassword();
  try {
    await accounts.createUser('admin', password, true);
  } catch (err: unknown) {
    // A second process starting at the same moment may have created it first.
    if ((await accounts.countUsers()) > 0) return false;
    throw err;
  }
  await accounts.audit(null, 'user.create', 'admin', { siteAdmin: true, firstStart: true });
  if (configuredPassword === undefined) announce(`crowsnest: created site admin "admin" with password: ${password}`);
  return true;
}
