/**
 * Arch Linux package versions ([epoch:]pkgver-pkgrel) ordered like pacman's `alpm_pkg_vercmp`.
 * pacman carries an older fork of rpmvercmp: no `~`/`^` handling, a longer separator run wins,
 * and a trailing letter segment sorts before the end ("1.0a" < "1.0"). Hand-written for speed.
 */
import type { Ordering, VersionScheme } from './scheme.js';
import { compareDigitRuns, compareWithFallback, isAlphaCode, isDigitCode } from './scheme.js';
import { compareAsciiRange, splitEvr, type Evr } from './rpm.js';

function isAlnum(c: number): boolean {
  return isDigitCode(c) || isAlphaCode(c);
}

/** pacman's rpmvercmp over the ranges a[i..ae) and b[j..be). */
export function alpmVercmp(a: string, i: number, ae: number, b: string, j: number, be: number): Ordering {
  if (ae - i === be - j && compareAsciiRange(a, i, ae, b, j, be) === 0) return 0;
  while (i < ae && j < be) {
    const pi = i;
    const pj = j;
    while (i < ae && !isAlnum(a.charCodeAt(i))) i++;
    while (j < be && !isAlnum(b.charCodeAt(j))) j++;
    if (i >= ae || j >= be) break;
    if (i - pi !== j - pj) return i - pi < j - pj ? -1 : 1;

    const si = i;
    const sj = j;
    const isNum = isDigitCode(a.charCodeAt(i));
    const inSeg = isNum ? isDigitCode : isAlphaCode;
    while (i < ae && inSeg(a.charCodeAt(i))) i++;
    while (j < be && inSeg(b.charCodeAt(j))) j++;
    if (j === sj) return isNum ? 1 : -1;
    const c = isNum ? compareDigitRuns(a, si, i, b, sj, j) : compareAsciiRange(a, si, i, b, sj, j);
    if (c !== 0) return c;
  }
  const aEnd = i >= ae;
  const bEnd = j >= be;
  if (aEnd && bEnd) return 0;
  // "We never want a remaining alpha string to beat an empty string."
  if ((aEnd && !isAlphaCode(b.charCodeAt(j))) || (!aEnd && isAlphaCode(a.charCodeAt(i)))) return -1;
  return 1;
}

function compareEvr(x: Evr, y: Evr): Ordering {
  return (
    compareDigitRuns(x.s, x.e0, x.e1, y.s, y.e0, y.e1) ||
    alpmVercmp(x.s, x.v0, x.v1, y.s, y.v0, y.v1) ||
    // pacman skips the pkgrel when either side lacks one; for a total order a missing pkgrel
    // sorts first instead ("1.0" < "1.0-1").
    alpmVercmp(x.s, x.r0, x.r1, y.s, y.r0, y.r1)
  );
}

/**
 * pacman's algorithm is not transitive once a pkgver or pkgrel starts with a separator
 * ("10" > "!" > ";A" > "10"), so such strings take the unparseable fallback; real package
 * versions always start with a letter or digit.
 */
function parseAlpm(v: string): Evr | undefined {
  const p = splitEvr(v);
  if (p === undefined || !isAlnum(p.s.charCodeAt(p.v0))) return undefined;
  if (p.r0 < p.r1 && !isAlnum(p.s.charCodeAt(p.r0))) return undefined;
  return p;
}

export const alpm: VersionScheme = {
  name: 'alpm',
  compare: (a, b) => (a === b ? 0 : compareWithFallback(a, b, parseAlpm, compareEvr)),
  valid(v) {
    const p = splitEvr(v);
    if (p === undefined) return false;
    for (let k = p.v0; k < p.r1; k++) {
      const c = p.s.charCodeAt(k);
      if (c <= 32 || c > 126 || c === 58 || c === 47) return false;
      if (c === 45 && k < p.v1) return false;
    }
    // makepkg requires a pkgrel; pkgver may not contain `-`.
    return p.r0 < p.r1;
  },
};
