/**
 * Finds external programs (skopeo, crane, go, …) that some tests drive. Missing tools skip those
 * tests with a message on a developer machine and fail in CI (CROWSNEST_REQUIRE_TOOLS=1), where
 * `scripts/install-test-deps.sh` installs them.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where scripts/install-test-deps.sh puts crane, oras, the conformance suite and the unpacked docker. */
export const toolsBinDir = join(
  process.env.CROWSNEST_TOOLS_DIR ?? join(process.env.HOME ?? '/root', '.cache', 'crowsnest-tools'),
  'bin',
);

const extraDirs = [toolsBinDir, join(process.env.HOME ?? '/root', 'go', 'bin'), join(process.env.HOME ?? '/root', '.cargo', 'bin'), '/usr/local/go/bin', '/usr/sbin', '/sbin'];

/** Absolute path of `name` on PATH (plus the Go bin dir), or `undefined`. */
export function findTool(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extraDirs];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Whether all `names` are available; throws in CI when one is missing. */
export function hasTools(...names: string[]): boolean {
  const missing = names.filter((n) => findTool(n) === undefined);
  if (missing.length === 0) return true;
  if (process.env.CROWSNEST_REQUIRE_TOOLS === '1') {
    throw new Error(`required test tools missing: ${missing.join(', ')} (CROWSNEST_REQUIRE_TOOLS=1)`);
  }
  console.warn(`skipping: tools not installed: ${missing.join(', ')} (run scripts/install-test-deps.sh)`);
  return false;
}
