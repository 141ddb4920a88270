/**
 * crates.io versions: Cargo uses strict SemVer 2.0.0 (the `semver` crate), so this is the
 * `semver` scheme under Cargo's name; kept as its own module so the scheme list stays explicit.
 */
import type { VersionScheme } from './scheme.js';
import { compareWithFallback } from './scheme.js';
import { compareStrictSemver, parseStrictSemver } from './semver.js';

export const cargo: VersionScheme = {
  name: 'cargo',
  compare: (a, b) => (a === b ? 0 : compareWithFallback(a, b, parseStrictSemver, compareStrictSemver)),
  valid: (v) => parseStrictSemver(v) !== undefined,
};
