/**
 * NuGet versions (NuGetVersion): `Major[.Minor[.Patch[.Revision]]][-label][+metadata]`, missing
 * parts are zero (1.0 == 1.0.0.0), leading zeros are normalized away, prerelease labels compare
 * case-insensitively with SemVer 2 rules, and metadata is ignored.
 */
import type { VersionScheme } from './scheme.js';
import { compareWithFallback } from './scheme.js';
import type { SemverOptions, SemverParts } from './semver-core.js';
import { compareSemverParts, parseSemver } from './semver-core.js';

const NUGET: SemverOptions = {
  vPrefix: 'forbid',
  minParts: 1,
  maxParts: 4,
  leadingZeros: true,
  suffixNeedsFull: false,
  caseInsensitivePre: true,
};

const parse = (v: string): SemverParts | undefined => parseSemver(v, NUGET);
const cmp = (x: SemverParts, y: SemverParts) => compareSemverParts(x, y, true);

export const nuget: VersionScheme = {
  name: 'nuget',
  compare: (a, b) => (a === b ? 0 : compareWithFallback(a, b, parse, cmp)),
  valid: (v) => parse(v) !== undefined,
};
