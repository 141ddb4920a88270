/**
 * Alpine/Wolfi package versions ordered like apk-tools:
 * `digits{.digits}[letter]{_suffix[N]}[~hash][-rN]`. Pre-release suffixes (_alpha _beta _pre _rc)
 * sort before the plain version, post-release ones (_cvs _svn _git _hg _p) after it, and the
 * `-rN` package revision last. Non-leading components that start with `0` compare as decimal
 * fractions (lexicographically), as apk does. Hand-written tokenizer (no regex) for speed.
 */
import type { Ordering, VersionScheme } from './scheme.js';
import { compareDigitRuns, compareStrings, compareWithFallback, isDigitCode } from './scheme.js';

// Token kinds in apk's order: when two versions agree on a common prefix, the one whose next token
// has the *smaller* kind is newer ("1.2.1" > "1.2a" > "1.2_p1" > "1.2-r1" > "1.2"), except that a
// pre-release suffix makes it older.
const DIGIT = 0;
const LETTER = 1;
const SUFFIX = 2;
const HASH = 3;
const REVISION = 4;
const END = 5;

const PRE_SUFFIXES = ['alpha', 'beta', 'pre', 'rc'];
const POST_SUFFIXES = ['cvs', 'svn', 'git', 'hg', 'p'];

interface Token {
  readonly kind: number;
  /** Source text of a digit run or hash; unused for letters and suffixes. */
  readonly text: string;
  /** Letter code, or suffix rank (pre-release < 0 < post-release). */
  readonly rank: number;
  /** Suffix number ("" when absent), as digits. */
  readonly num: string;
  /** A non-first numeric component: compared as a fraction if either side starts with "0". */
  readonly fractional: boolean;
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

function digitsEnd(s: string, i: number): number {
  while (i < s.length && isDigitCode(s.charCodeAt(i))) i++;
  return i;
}

/** Tokenizes a whole apk version; undefined when apk would call it invalid. */
function tokenize(v: string): Token[] | undefined {
  const s = v;
  const out: Token[] = [];
  let i = 0;
  if (!isDigitCode(s.charCodeAt(0))) return undefined;
  let end = digitsEnd(s, 0);
  out.push({ kind: DIGIT, text: s.slice(0, end), rank: 0, num: '', fractional: false });
  i = end;
  while (i < s.length && s.charCodeAt(i) === 46) {
    end = digitsEnd(s, i + 1);
    if (end === i + 1) return undefined;
    out.push({ kind: DIGIT, text: s.slice(i + 1, end), rank: 0, num: '', fractional: true });
    i = end;
  }
  if (i < s.length && isLower(s.charCodeAt(i))) {
    out.push({ kind: LETTER, text: '', rank: s.charCodeAt(i), num: '', fractional: false });
    i++;
  }
  while (i < s.length && s.charCodeAt(i) === 95) {
    let j = i + 1;
    while (j < s.length && isLower(s.charCodeAt(j))) j++;
    const name = s.slice(i + 1, j);
    let rank = PRE_SUFFIXES.indexOf(name);
    if (rank !== -1) rank -= PRE_SUFFIXES.length;
    else {
      rank = POST_SUFFIXES.indexOf(name);
      if (rank === -1) return undefined;
      rank += 1;
    }
    end = digitsEnd(s, j);
    out.push({ kind: SUFFIX, text: '', rank, num: s.slice(j, end), fractional: false });
    i = end;
  }
  if (i < s.length && s.charCodeAt(i) === 126) {
    let j = i + 1;
    while (j < s.length && /* hex */ isHex(s.charCodeAt(j))) j++;
    if (j === i + 1) return undefined;
    out.push({ kind: HASH, text: s.slice(i + 1, j), rank: 0, num: '', fractional: false });
    i = j;
  }
  if (i < s.length && s.charCodeAt(i) === 45 && s.charCodeAt(i + 1) === 114) {
    end = digitsEnd(s, i + 2);
    if (end === i + 2) return undefined;
    out.push({ kind: REVISION, text: s.slice(i + 2, end), rank: 0, num: '', fractional: false });
    i = end;
  }
  return i === s.length ? out : undefined;
}

function isHex(c: number): boolean {
  return isDigitCode(c) || (c >= 97 && c <= 102);
}

function compareSame(x: Token, y: Token): Ordering {
  switch (x.kind) {
    case DIGIT:
      if (x.fractional && (x.text.charCodeAt(0) === 48 || y.text.charCodeAt(0) === 48)) return compareStrings(x.text, y.text);
      return compareDigitRuns(x.text, 0, x.text.length, y.text, 0, y.text.length);
    case LETTER:
      return x.rank < y.rank ? -1 : x.rank > y.rank ? 1 : 0;
    case SUFFIX:
      if (x.rank !== y.rank) return x.rank < y.rank ? -1 : 1;
      return compareDigitRuns(x.num, 0, x.num.length, y.num, 0, y.num.length);
    case HASH:
      return compareStrings(x.text, y.text);
    default:
      return compareDigitRuns(x.text, 0, x.text.length, y.text, 0, y.text.length);
  }
}

function compareTokens(a: Token[], b: Token[]): Ordering {
  const n = Math.max(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const x = a[k];
    const y = b[k];
    const xk = x === undefined ? END : x.kind;
    const yk = y === undefined ? END : y.kind;
    if (x !== undefined && y !== undefined && xk === yk) {
      const c = compareSame(x, y);
      if (c !== 0) return c;
      continue;
    }
    if (xk === SUFFIX && x !== undefined && x.rank < 0) return -1;
    if (yk === SUFFIX && y !== undefined && y.rank < 0) return 1;
    return xk < yk ? 1 : -1;
  }
  return 0;
}

export const apk: VersionScheme = {
  name: 'apk',
  compare: (a, b) => (a === b ? 0 : compareWithFallback(a, b, tokenize, compareTokens)),
  valid: (v) => tokenize(v) !== undefined,
};
