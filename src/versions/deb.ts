/**
 * Debian package versions ([epoch:]upstream[-revision]) ordered exactly like dpkg's
 * `verrevcmp`: `~` sorts before everything (even the end of the string), letters before other
 * characters, and digit runs compare numerically. Hand-written scanner: this runs for every
 * installed package against every advisory range, so no regexes and no substring allocation.
 */
import type { Ordering, VersionScheme } from './scheme.js';
import { compareDigitRuns, compareWithFallback, isAlphaCode, isDigitCode } from './scheme.js';

interface DebParts {
  readonly s: string;
  /** [epochStart, epochEnd): empty range means epoch 0. */
  readonly e0: number;
  readonly e1: number;
  readonly u0: number;
  readonly u1: number;
  /** [revStart, revEnd): empty when there is no revision (dpkg treats that like "0"). */
  readonly r0: number;
  readonly r1: number;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function split(v: string): DebParts | undefined {
  let start = 0;
  let end = v.length;
  while (start < end && isSpace(v.charCodeAt(start))) start++;
  while (end > start && isSpace(v.charCodeAt(end - 1))) end--;
  if (start === end) return undefined;
  let e0 = start;
  let e1 = start;
  let u0 = start;
  const colon = v.indexOf(':', start);
  if (colon !== -1 && colon < end) {
    for (let i = start; i < colon; i++) if (!isDigitCode(v.charCodeAt(i))) return undefined;
    if (colon === start) return undefined;
    e0 = start;
    e1 = colon;
    u0 = colon + 1;
  }
  let u1 = end;
  let r0 = end;
  const hyphen = v.lastIndexOf('-', end - 1);
  if (hyphen >= u0) {
    u1 = hyphen;
    r0 = hyphen + 1;
    if (r0 === end) return undefined;
  }
  if (u1 === u0) return undefined;
  return { s: v, e0, e1, u0, u1, r0, r1: end };
}

/** dpkg's character weight: end and digits 0, `~` below everything, letters below other symbols. */
function order(c: number): number {
  if (isDigitCode(c)) return 0;
  if (isAlphaCode(c)) return c;
  if (c === 126) return -1;
  return c + 256;
}

/** dpkg's verrevcmp over the index ranges a[ai..ae) and b[bi..be). */
export function verrevcmp(a: string, ai: number, ae: number, b: string, bi: number, be: number): Ordering {
  while (ai < ae || bi < be) {
    while ((ai < ae && !isDigitCode(a.charCodeAt(ai))) || (bi < be && !isDigitCode(b.charCodeAt(bi)))) {
      const ac = ai < ae ? order(a.charCodeAt(ai)) : 0;
      const bc = bi < be ? order(b.charCodeAt(bi)) : 0;
      if (ac !== bc) return ac < bc ? -1 : 1;
      ai++;
      bi++;
    }
    const ds = ai;
    while (ai < ae && isDigitCode(a.charCodeAt(ai))) ai++;
    const dt = bi;
    while (bi < be && isDigitCode(b.charCodeAt(bi))) bi++;
    const c = compareDigitRuns(a, ds, ai, b, dt, bi);
    if (c !== 0) return c;
  }
  return 0;
}

function compareParts(x: DebParts, y: DebParts): Ordering {
  return (
    compareDigitRuns(x.s, x.e0, x.e1, y.s, y.e0, y.e1) ||
    verrevcmp(x.s, x.u0, x.u1, y.s, y.u0, y.u1) ||
    verrevcmp(x.s, x.r0, x.r1, y.s, y.r0, y.r1)
  );
}

function validRange(s: string, from: number, to: number, extra: string): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!isDigitCode(c) && !isAlphaCode(c) && !extra.includes(s[i] as string)) return false;
  }
  return true;
}

/**
 * Compare accepts anything dpkg can split (numeric epoch, non-empty upstream and revision);
 * `valid` additionally applies dpkg's character rules (upstream starts with a digit).
 */
export const deb: VersionScheme = {
  name: 'deb',
  compare: (a, b) => (a === b ? 0 : compareWithFallback(a, b, split, compareParts)),
  valid(v) {
    const p = split(v);
    if (p === undefined || !isDigitCode(v.charCodeAt(p.u0))) return false;
    return validRange(v, p.u0, p.u1, '.+~-:') && validRange(v, p.r0, p.r1, '.+~');
  },
};
