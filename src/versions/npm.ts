/**
 * npm package versions, ordered by the `semver` package (what npm itself uses) in loose mode, so
 * the forms npm tolerates in published metadata (`v1.2.3`, `=1.2.3`, `1.2.3beta`) parse too.
 */
import { SemVer } from 'semver';
import type { Ordering, VersionScheme } from './scheme.js';
import { compareWithFallback } from './scheme.js';

function parse(v: string): SemVer | undefined {
  // The package throws on bad input; length is capped by the package itself (256).
  try {
    return new SemVer(v, { loose: true });
  } catch {
    return undefined;
  }
}

function cmp(x: SemVer, y: SemVer): Ordering {
  return x.compare(y);
}

export const npm: VersionScheme = {
  name: 'npm',
  compare: (a, b) => (a === b ? 0 : compareWithFallback(a, b, parse, cmp)),
  valid: (v) => parse(v) !== undefined,
};
