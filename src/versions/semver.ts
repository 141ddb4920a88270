/**
 * Strict SemVer 2.0.0 precedence (`semver`) and Cargo's versions (`cargo`), which follow the same
 * grammar: no `v` prefix, no leading zeros, build metadata ignored for ordering (Cargo's semver
 * crate only uses build metadata as a final tie-breaker, which no advisory range relies on).
 */
import type { VersionScheme } from './scheme.js';
import { compareWithFallback } from './scheme.js';
import type { SemverOptions, SemverParts } from './semver-core.js';
import { compareSemverParts, parseSemver } from './semver-core.js';

const STRICT: SemverOptions = {
  vPrefix: 'forbid',
  minParts: 3,
  maxParts: 3,
  leadingZeros: false,
  suffixNeedsFull: true,
  caseInsensitivePre: false,
};

const parseStrict = (v: string): SemverParts | undefined => parseSemver(v, STRICT);
const compareStrict = (x: SemverParts, y: SemverParts) => compareSemverParts(x, y, false);

export const semver: VersionScheme = {
  name: 'semver',
  compare: (a, b) => (a === b ? 0 : compareWithFallback(a, b, parseStrict, compareStrict)),
  valid: (v) => parseStrict(v) !== undefined,
};

export { parseStrict as parseStrictSemver, compareStrict as compareStrictSemver };
