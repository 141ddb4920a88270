/**
 * Go module versions, ordered like golang.org/x/mod/semver: `vMAJOR[.MINOR[.PATCH[-pre][+build]]]`,
 * short forms (`v1`, `v1.2`) padded with zeros, pseudo-versions ordered as the prereleases they
 * are, and build metadata such as `+incompatible` ignored. The `v` is optional here because OSV
 * advisories for Go list versions without it.
 */
import type { VersionScheme } from './scheme.js';
import { compareWithFallback } from './scheme.js';
import type { SemverOptions, SemverParts } from './semver-core.js';
import { compareSemverParts, parseSemver } from './semver-core.js';

const GO: SemverOptions = {
  vPrefix: 'allow',
  minParts: 1,
  maxParts: 3,
  leadingZeros: false,
  suffixNeedsFull: true,
  caseInsensitivePre: false,
};

const parse = (v: string): SemverParts | undefined => parseSemver(v, GO);
const cmp = (x: SemverParts, y: SemverParts) => compareSemverParts(x, y, false);

export const golang: VersionScheme = {
  name: 'golang',
  compare: (a, b) => (a === b ? 0 : compareWithFallback(a, b, parse, cmp)),
  valid: (v) => parse(v) !== undefined,
};
