/**
 * RPM versions ([epoch:]version[-release]) ordered like rpm's `rpmvercmp` (rpm >= 4.15): runs of
 * digits and letters compare segment by segment, separators only delimit, `~` sorts before
 * anything (pre-releases) and `^` after the end but before any further segment (snapshots).
 * Hand-written scanner for speed, as in deb.ts.
 */
import type { Ordering, VersionScheme } from './scheme.js';
import { compareDigitRuns, compareWithFallback, isAlphaCode, isDigitCode } from './scheme.js';

const TILDE = 126;
const CARET = 94;

/** rpm's rpmvercmp over the ranges a[i..ae) and b[j..be). */
export function rpmvercmp(a: string, i: number, ae: number, b: string, j: number, be: number): Ordering {
  while (i < ae || j < be) {
    let ca = i < ae ? a.charCodeAt(i) : 0;
    while (i < ae && !isDigitCode(ca) && !isAlphaCode(ca) && ca !== TILDE && ca !== CARET) ca = ++i < ae ? a.charCodeAt(i) : 0;
    let cb = j < be ? b.charCodeAt(j) : 0;
    while (j < be && !isDigitCode(cb) && !isAlphaCode(cb) && cb !== TILDE && cb !== CARET) cb = ++j < be ? b.charCodeAt(j) : 0;

    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === CARET || cb === CARET) {
      if (i >= ae) return -1;
      if (j >= be) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (i >= ae || j >= be) break;

    const si = i;
    const sj = j;
    const isNum = isDigitCode(ca);
    const inSeg = isNum ? isDigitCode : isAlphaCode;
    while (i < ae && inSeg(a.charCodeAt(i))) i++;
    while (j < be && inSeg(b.charCodeAt(j))) j++;
    // The segment types differ: a numeric segment is newer than an alphabetic one.
    if (j === sj) return isNum ? 1 : -1;
    if (isNum) {
      const c = compareDigitRuns(a, si, i, b, sj, j);
      if (c !== 0) return c;
    } else {
      const c = compareAsciiRange(a, si, i, b, sj, j);
      if (c !== 0) return c;
    }
  }
  if (i >= ae && j >= be) return 0;
  return i < ae ? 1 : -1;
}

/** strcmp over two ranges. */
export function compareAsciiRange(a: string, i: number, ae: number, b: string, j: number, be: number): Ordering {
  while (i < ae && j < be) {
    const d = a.charCodeAt(i) - b.charCodeAt(j);
    if (d !== 0) return d < 0 ? -1 : 1;
    i++;
    j++;
  }
  if (i < ae) return 1;
  if (j < be) return -1;
  return 0;
}

export interface Evr {
  readonly s: string;
  readonly e0: number;
  readonly e1: number;
  readonly v0: number;
  readonly v1: number;
  /** Empty range when the release is absent. */
  readonly r0: number;
  readonly r1: number;
}

/** Splits [epoch:]version[-release] like rpm's parseEVR: epoch only if all digits, release after the last `-`. */
export function splitEvr(v: string): Evr | undefined {
  const s = v.trim();
  if (s.length === 0) return undefined;
  let e1 = 0;
  let v0 = 0;
  const colon = s.indexOf(':');
  if (colon !== -1) {
    for (let k = 0; k < colon; k++) if (!isDigitCode(s.charCodeAt(k))) return undefined;
    e1 = colon;
    v0 = colon + 1;
  }
  const hyphen = s.lastIndexOf('-');
  let v1 = s.length;
  let r0 = s.length;
  if (hyphen >= v0) {
    v1 = hyphen;
    r0 = hyphen + 1;
  }
  if (v1 === v0) return undefined;
  return { s, e0: 0, e1, v0, v1, r0, r1: s.length };
}

function compareEvr(x: Evr, y: Evr): Ordering {
  return (
    compareDigitRuns(x.s, x.e0, x.e1, y.s, y.e0, y.e1) ||
    rpmvercmp(x.s, x.v0, x.v1, y.s, y.v0, y.v1) ||
    // rpm's dependency matching ignores a missing release; a total order cannot (it would break
    // transitivity), so a missing release sorts before any release: "1.0" < "1.0-1".
    rpmvercmp(x.s, x.r0, x.r1, y.s, y.r0, y.r1)
  );
}

function validEvr(v: string): boolean {
  const p = splitEvr(v);
  if (p === undefined) return false;
  for (let k = p.v0; k < p.r1; k++) {
    const c = p.s.charCodeAt(k);
    // rpm forbids whitespace and the comparison operators inside EVR strings.
    if (c <= 32 || c === 60 || c === 61 || c === 62 || c > 126) return false;
  }
  // A `-` with nothing after it is an empty release.
  return !(p.r0 === p.r1 && p.v1 !== p.r1);
}

export const rpm: VersionScheme = {
  name: 'rpm',
  compare: (a, b) => (a === b ? 0 : compareWithFallback(a, b, splitEvr, compareEvr)),
  valid: validEvr,
};
