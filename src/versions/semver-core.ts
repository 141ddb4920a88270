/**
 * A small hand-written SemVer 2.0.0 parser and precedence comparison, with the knobs that the
 * SemVer-like ecosystems differ on (Go's `v` prefix and short forms, NuGet's 4th component and
 * case-insensitive labels, leading zeros). Build metadata never affects precedence.
 * Hand-written because it is on the matcher's hot path and needs those variations.
 */
import type { Ordering } from './scheme.js';
import { compareDigitRuns, compareStrings, isAlphaCode, isDigitCode } from './scheme.js';

export interface SemverOptions {
  /** "v" prefix: "forbid", "allow" or "require". */
  readonly vPrefix: 'forbid' | 'allow' | 'require';
  /** Minimum and maximum number of numeric components (SemVer: 3..3; Go: 1..3; NuGet: 1..4). */
  readonly minParts: number;
  readonly maxParts: number;
  /** Accept "01.2.3" (normalized to 1.2.3) and "1.0.0-01". */
  readonly leadingZeros: boolean;
  /** Prerelease/build only after a complete major.minor.patch (Go's short forms forbid them). */
  readonly suffixNeedsFull: boolean;
  readonly caseInsensitivePre: boolean;
}

export interface SemverParts {
  /** Numeric components, leading zeros stripped, padded with "0" to `maxParts`. */
  readonly nums: readonly string[];
  /** Prerelease identifiers; empty when this is a release. */
  readonly pre: readonly string[];
}

function isIdentChar(c: number): boolean {
  return isDigitCode(c) || isAlphaCode(c) || c === 45;
}

function allDigits(s: string): boolean {
  for (let k = 0; k < s.length; k++) if (!isDigitCode(s.charCodeAt(k))) return false;
  return true;
}

/** Parses dot-separated identifiers from s[i..end); undefined on an empty or bad identifier. */
function identifiers(s: string, i: number, end: number, numericNoZeros: boolean): string[] | undefined {
  const out: string[] = [];
  let start = i;
  for (let k = i; k <= end; k++) {
    if (k === end || s.charCodeAt(k) === 46) {
      if (k === start) return undefined;
      const id = s.slice(start, k);
      if (numericNoZeros && id.length > 1 && id.charCodeAt(0) === 48 && allDigits(id)) return undefined;
      out.push(id);
      start = k + 1;
    } else if (!isIdentChar(s.charCodeAt(k))) {
      return undefined;
    }
  }
  return out;
}

export function parseSemver(input: string, o: SemverOptions): SemverParts | undefined {
  const s = input.trim();
  if (s.length === 0 || s.length > 256) return undefined;
  let i = 0;
  if (s.charCodeAt(0) === 118) {
    if (o.vPrefix === 'forbid') return undefined;
    i = 1;
  } else if (o.vPrefix === 'require') {
    return undefined;
  }
  const nums: string[] = [];
  for (;;) {
    const start = i;
    while (i < s.length && isDigitCode(s.charCodeAt(i))) i++;
    if (i === start) return undefined;
    if (i - start > 1 && s.charCodeAt(start) === 48) {
      if (!o.leadingZeros) return undefined;
    }
    nums.push(s.slice(start, i));
    if (nums.length < o.maxParts && s.charCodeAt(i) === 46) {
      i++;
      continue;
    }
    break;
  }
  if (nums.length < o.minParts) return undefined;
  const full = nums.length >= 3;
  for (let k = 0; k < nums.length; k++) nums[k] = stripZeros(nums[k] as string);
  while (nums.length < o.maxParts) nums.push('0');

  let pre: string[] = [];
  const plus = s.indexOf('+', i);
  const end = plus === -1 ? s.length : plus;
  if (i < s.length && (o.suffixNeedsFull && !full)) return undefined;
  if (i < end) {
    if (s.charCodeAt(i) !== 45) return undefined;
    const ids = identifiers(s, i + 1, end, !o.leadingZeros);
    if (ids === undefined) return undefined;
    pre = ids;
  }
  if (plus !== -1 && identifiers(s, plus + 1, s.length, false) === undefined) return undefined;
  return { nums, pre };
}

function stripZeros(d: string): string {
  let k = 0;
  while (k < d.length - 1 && d.charCodeAt(k) === 48) k++;
  return k === 0 ? d : d.slice(k);
}

export function compareSemverParts(x: SemverParts, y: SemverParts, caseInsensitive: boolean): Ordering {
  const n = Math.max(x.nums.length, y.nums.length);
  for (let k = 0; k < n; k++) {
    const a = x.nums[k] ?? '0';
    const b = y.nums[k] ?? '0';
    const c = compareDigitRuns(a, 0, a.length, b, 0, b.length);
    if (c !== 0) return c;
  }
  return comparePrerelease(x.pre, y.pre, caseInsensitive);
}

/** SemVer §11: a release beats any prerelease; numeric identifiers < alphanumeric; longer set wins ties. */
export function comparePrerelease(a: readonly string[], b: readonly string[], caseInsensitive: boolean): Ordering {
  if (a.length === 0 || b.length === 0) {
    if (a.length === b.length) return 0;
    return a.length === 0 ? 1 : -1;
  }
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const x = a[k] as string;
    const y = b[k] as string;
    const xn = allDigits(x);
    const yn = allDigits(y);
    let c: Ordering;
    if (xn && yn) c = compareDigitRuns(x, 0, x.length, y, 0, y.length);
    else if (xn !== yn) c = xn ? -1 : 1;
    else c = caseInsensitive ? compareStrings(x.toLowerCase(), y.toLowerCase()) : compareStrings(x, y);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
