/**
 * Locates `../shared` (real vulnerability feeds and package databases, read in place) and decides what a
 * test does when it is missing: skip with a message on a fresh clone elsewhere, fail in CI
 * (CROWSNEST_REQUIRE_SHARED=1), where it must always be present.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Absolute path of the shared folder (it may not exist). */
export const sharedDir = process.env.CROWSNEST_SHARED_DIR ?? resolve(repoRoot, '..', 'shared');

export function sharedPath(...parts: string[]): string {
  return join(sharedDir, ...parts);
}

/**
 * Whether tests that read `shared/<parts>` can run. Throws when the data is required (CI) but missing,
 * so such tests fail rather than skip there.
 */
export function hasShared(...parts: string[]): boolean {
  const path = sharedPath(...parts);
  if (existsSync(path)) return true;
  if (process.env.CROWSNEST_REQUIRE_SHARED === '1') {
    throw new Error(`shared test data missing at ${path} (CROWSNEST_REQUIRE_SHARED=1)`);
  }
  console.warn(`skipping: shared test data not found at ${path}`);
  return false;
}
