/**
 * RubyGems versions ordered like Gem::Version#<=>: segments are runs of digits or letters
 * ("1.0.b1" → 1, 0, "b", 1), a `-` means ".pre.", trailing zeros of the numeric and of the
 * prerelease part are dropped (canonical_segments), letters sort before numbers, and any letter
 * makes the version a prerelease ("1.0.a" < "1.0"). Hand-written scanner instead of String#scan.
 */
import type { Ordering, VersionScheme } from './scheme.js';
import { compareDigitRuns, compareStrings, compareWithFallback, isAlphaCode, isDigitCode } from './scheme.js';

/** Digits (leading zeros stripped) are numbers; anything else is a letter segment. */
type Segment = { readonly num: true; readonly v: string } | { readonly num: false; readonly v: string };

function valid(v: string): boolean {
  // Gem::Version::ANCHORED_VERSION_PATTERN:
  //   [0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?  (or empty, meaning "0")
  const s = v.trim();
  if (s.length === 0) return true;
  if (s.length > 256 || !isDigitCode(s.charCodeAt(0))) return false;
  let i = 0;
  while (i < s.length && isDigitCode(s.charCodeAt(i))) i++;
  let inPre = false;
  while (i < s.length) {
    const sep = s.charCodeAt(i);
    if (sep === 45 && !inPre) inPre = true;
    else if (sep !== 46) return false;
    i++;
    const start = i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (isDigitCode(c) || isAlphaCode(c) || (inPre && c === 45)) i++;
      else break;
    }
    if (i === start) return false;
  }
  return true;
}

function canonicalSegments(v: string): Segment[] | undefined {
  if (!valid(v)) return undefined;
  const s = v.trim();
  const segs: Segment[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (isDigitCode(c)) {
      while (i < s.length && s.charCodeAt(i) === 48) i++;
      const nz = i;
      while (i < s.length && isDigitCode(s.charCodeAt(i))) i++;
      segs.push({ num: true, v: nz === i ? '0' : s.slice(nz, i) });
    } else if (isAlphaCode(c)) {
      const start = i;
      while (i < s.length && isAlphaCode(s.charCodeAt(i))) i++;
      segs.push({ num: false, v: s.slice(start, i) });
    } else {
      // "-" is rewritten to ".pre." by Gem::Version.new.
      if (c === 45) segs.push({ num: false, v: 'pre' });
      i++;
    }
  }
  if (segs.length === 0) segs.push({ num: true, v: '0' });
  // canonical_segments: drop trailing zeros from the release part and from the prerelease part.
  let firstString = segs.findIndex((x) => !x.num);
  if (firstString === -1) firstString = segs.length;
  const release = segs.slice(0, firstString);
  const pre = segs.slice(firstString);
  trimZeros(release);
  trimZeros(pre);
  return release.concat(pre);
}

function trimZeros(segs: Segment[]): void {
  while (segs.length > 0) {
    const last = segs[segs.length - 1] as Segment;
    if (last.num && last.v === '0') segs.pop();
    else break;
  }
}

const ZERO: Segment = { num: true, v: '0' };

function compareSegments(a: Segment[], b: Segment[]): Ordering {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? ZERO;
    const y = b[i] ?? ZERO;
    if (x.num !== y.num) return x.num ? 1 : -1;
    const c = x.num ? compareDigitRuns(x.v, 0, x.v.length, y.v, 0, y.v.length) : compareStrings(x.v, y.v);
    if (c !== 0) return c;
  }
  return 0;
}

export const gem: VersionScheme = {
  name: 'gem',
  compare: (a, b) => (a === b ? 0 : compareWithFallback(a, b, canonicalSegments, compareSegments)),
  valid,
};
