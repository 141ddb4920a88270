/**
 * Python package versions (PEP 440 / packaging.version): epoch, release, pre (a/b/rc and the
 * spellings alpha, beta, c, pre, preview), post (incl. implicit `1.0-1`), dev and local segments,
 * with the spec's normalization (case-insensitive, `-_.` separators, optional `v`, whitespace).
 * Hand-written scanner instead of the spec's big regex: it runs for every PyPI package/range pair.
 */
import type { Ordering, VersionScheme } from './scheme.js';
import { compareDigitRuns, compareStrings, compareWithFallback, isAlphaCode, isDigitCode } from './scheme.js';

export interface Pep440Version {
  readonly epoch: string;
  /** Release components as digit strings, trailing zeros removed (1.0 == 1). */
  readonly release: readonly string[];
  /** 0 = a, 1 = b, 2 = rc; -1 when absent. */
  readonly preKind: number;
  readonly preNum: string;
  /** undefined when absent. */
  readonly post: string | undefined;
  readonly dev: string | undefined;
  /** Local segments, lower-cased; empty when absent. */
  readonly local: readonly string[];
}

const PRE_SPELLINGS: ReadonlyArray<readonly [string, number]> = [
  ['alpha', 0],
  ['a', 0],
  ['beta', 1],
  ['b', 1],
  ['preview', 2],
  ['pre', 2],
  ['rc', 2],
  ['c', 2],
];

function isSep(c: number): boolean {
  return c === 45 || c === 46 || c === 95;
}

class Scanner {
  i = 0;
  constructor(readonly s: string) {}
  peek(off = 0): number {
    return this.s.charCodeAt(this.i + off);
  }
  digits(): string | undefined {
    const start = this.i;
    while (this.i < this.s.length && isDigitCode(this.s.charCodeAt(this.i))) this.i++;
    return this.i === start ? undefined : this.s.slice(start, this.i);
  }
  /**
   * Consumes `word` at the cursor, optionally preceded by one separator; false leaves the cursor.
   * Callers try longer spellings first ("preview" before "pre", "rev" before "r").
   */
  word(word: string, sepAllowed: boolean): boolean {
    let j = this.i;
    if (sepAllowed && isSep(this.s.charCodeAt(j))) j++;
    if (!this.s.startsWith(word, j)) return false;
    this.i = j + word.length;
    return true;
  }
  /** Optional separator + number after a pre/post/dev keyword; missing number means 0. */
  optNumber(): string {
    let j = this.i;
    if (isSep(this.s.charCodeAt(j))) j++;
    if (isDigitCode(this.s.charCodeAt(j))) {
      this.i = j;
      return this.digits() ?? '0';
    }
    return '0';
  }
}

function stripZeros(d: string): string {
  let k = 0;
  while (k < d.length - 1 && d.charCodeAt(k) === 48) k++;
  return k === 0 ? d : d.slice(k);
}

export function parsePep440(v: string): Pep440Version | undefined {
  if (v.length > 256) return undefined;
  const sc = new Scanner(v.trim().toLowerCase());
  const s = sc.s;
  if (sc.peek() === 118) sc.i++;
  let epoch = '0';
  let first = sc.digits();
  if (first === undefined) return undefined;
  if (sc.peek() === 33) {
    epoch = stripZeros(first);
    sc.i++;
    first = sc.digits();
    if (first === undefined) return undefined;
  }
  const release = [stripZeros(first)];
  while (sc.peek() === 46 && isDigitCode(sc.peek(1))) {
    sc.i++;
    release.push(stripZeros(sc.digits() ?? '0'));
  }
  while (release.length > 1 && release[release.length - 1] === '0') release.pop();

  let preKind = -1;
  let preNum = '';
  for (const [spelling, kind] of PRE_SPELLINGS) {
    if (sc.word(spelling, true)) {
      preKind = kind;
      preNum = stripZeros(sc.optNumber());
      break;
    }
  }

  let post: string | undefined;
  if (sc.peek() === 45 && isDigitCode(sc.peek(1))) {
    sc.i++;
    post = stripZeros(sc.digits() ?? '0');
  } else if (sc.word('post', true) || sc.word('rev', true) || sc.word('r', true)) {
    post = stripZeros(sc.optNumber());
  }

  let dev: string | undefined;
  if (sc.word('dev', true)) dev = stripZeros(sc.optNumber());

  const local: string[] = [];
  if (sc.peek() === 43) {
    sc.i++;
    let start = sc.i;
    for (;;) {
      const c = sc.peek();
      if (sc.i >= s.length || isSep(c)) {
        if (sc.i === start) return undefined;
        const seg = s.slice(start, sc.i);
        local.push(isAllDigits(seg) ? stripZeros(seg) : seg);
        if (sc.i >= s.length) break;
        sc.i++;
        start = sc.i;
      } else if (isDigitCode(c) || isAlphaCode(c)) {
        sc.i++;
      } else {
        return undefined;
      }
    }
  }
  if (sc.i !== s.length) return undefined;
  return { epoch, release, preKind, preNum, post, dev, local };
}

function isAllDigits(seg: string): boolean {
  for (let k = 0; k < seg.length; k++) if (!isDigitCode(seg.charCodeAt(k))) return false;
  return true;
}

function cmpNum(a: string, b: string): Ordering {
  return compareDigitRuns(a, 0, a.length, b, 0, b.length);
}

/** packaging's _cmpkey, written out. */
export function comparePep440(x: Pep440Version, y: Pep440Version): Ordering {
  let c = cmpNum(x.epoch, y.epoch);
  if (c !== 0) return c;
  const n = Math.max(x.release.length, y.release.length);
  for (let k = 0; k < n; k++) {
    c = cmpNum(x.release[k] ?? '0', y.release[k] ?? '0');
    if (c !== 0) return c;
  }
  c = comparePre(x, y);
  if (c !== 0) return c;
  // A missing post-release sorts before any post-release.
  if (x.post !== y.post) {
    if (x.post === undefined) return -1;
    if (y.post === undefined) return 1;
    c = cmpNum(x.post, y.post);
    if (c !== 0) return c;
  }
  // A missing dev-release sorts after any dev-release.
  if (x.dev !== y.dev) {
    if (x.dev === undefined) return 1;
    if (y.dev === undefined) return -1;
    c = cmpNum(x.dev, y.dev);
    if (c !== 0) return c;
  }
  return compareLocal(x.local, y.local);
}

/** Pre-release key: a bare dev release (1.0.dev1) sorts before any pre-release; no pre sorts after. */
function preRank(v: Pep440Version): number {
  if (v.preKind >= 0) return v.preKind;
  return v.post === undefined && v.dev !== undefined ? -1 : 3;
}

function comparePre(x: Pep440Version, y: Pep440Version): Ordering {
  const rx = preRank(x);
  const ry = preRank(y);
  if (rx !== ry) return rx < ry ? -1 : 1;
  return x.preKind >= 0 ? cmpNum(x.preNum, y.preNum) : 0;
}

/** Local versions: absent < present; numeric segments beat alphanumeric; shorter prefix is older. */
function compareLocal(a: readonly string[], b: readonly string[]): Ordering {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const x = a[k] as string;
    const y = b[k] as string;
    const xn = isAllDigits(x);
    const yn = isAllDigits(y);
    if (xn !== yn) return xn ? 1 : -1;
    const c = xn ? cmpNum(x, y) : compareStrings(x, y);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export const pep440: VersionScheme = {
  name: 'pypi',
  compare: (a, b) => (a === b ? 0 : compareWithFallback(a, b, parsePep440, comparePep440)),
  valid: (v) => parsePep440(v) !== undefined,
};
