/**
 * The VersionScheme contract shared by every ecosystem module in src/versions, plus the small
 * comparison helpers they have in common (digit-run comparison without integer overflow, and the
 * one documented fallback for versions a scheme cannot parse).
 */

export type Ordering = -1 | 0 | 1;

export interface VersionScheme {
  /** Scheme name as used by `compare(scheme, a, b)` ("deb", "pypi", ...). */
  readonly name: string;
  /** Total order over all strings: never throws, see `compareWithFallback` for unparseable input. */
  compare(a: string, b: string): Ordering;
  /** Whether the ecosystem's own tooling would accept `v` as a version. */
  valid(v: string): boolean;
}

export function sign(n: number): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** -x without producing -0 (which `Object.is`-based equality treats as different from 0). */
export function negate(o: Ordering): Ordering {
  return o === 0 ? 0 : o === 1 ? -1 : 1;
}

/** Plain code-unit order (what `strcmp` gives for ASCII), independent of locale. */
export function compareStrings(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAlphaCode(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * Compares the decimal digit runs a[as..ae) and b[bs..be) numerically. Runs may be arbitrarily long
 * (dates, git timestamps), so instead of converting to numbers we skip leading zeros and compare by
 * length, then digit by digit. An empty run counts as zero.
 */
export function compareDigitRuns(a: string, as: number, ae: number, b: string, bs: number, be: number): Ordering {
  while (as < ae && a.charCodeAt(as) === 48) as++;
  while (bs < be && b.charCodeAt(bs) === 48) bs++;
  const la = ae - as;
  const lb = be - bs;
  if (la !== lb) return la < lb ? -1 : 1;
  for (let i = 0; i < la; i++) {
    const d = a.charCodeAt(as + i) - b.charCodeAt(bs + i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** `compareDigitRuns` for two whole strings of digits. */
export function compareNumericStrings(a: string, b: string): Ordering {
  return compareDigitRuns(a, 0, a.length, b, 0, b.length);
}

/** Parsed versions per parser, bounded: matching compares the same few versions thousands of times. */
const parsedCache = new WeakMap<(v: string) => unknown, Map<string, unknown>>();
const PARSED_CACHE_ENTRIES = 50_000;
const UNPARSEABLE = Symbol('unparseable');

/** `parse(v)`, remembered per parser (parsed versions are never mutated by the comparators). */
function parsedBy<T>(parse: (v: string) => T | undefined, v: string): T | undefined {
  let cache = parsedCache.get(parse);
  if (!cache) parsedCache.set(parse, (cache = new Map()));
  const hit = cache.get(v);
  if (hit !== undefined) return hit === UNPARSEABLE ? undefined : (hit as T);
  const parsed = parse(v);
  if (cache.size >= PARSED_CACHE_ENTRIES) cache.clear();
  cache.set(v, parsed === undefined ? UNPARSEABLE : parsed);
  return parsed;
}

/**
 * The fallback every scheme uses for input its parser rejects, chosen so that `compare` stays a
 * total order (antisymmetric and transitive) and never throws: every parseable version sorts
 * before every unparseable one, and two unparseable versions compare as plain strings.
 * `parse` returns undefined for unparseable input.
 */
export function compareWithFallback<T>(
  a: string,
  b: string,
  parse: (v: string) => T | undefined,
  compareParsed: (x: T, y: T) => Ordering,
): Ordering {
  const pa = parsedBy(parse, a);
  const pb = parsedBy(parse, b);
  if (pa !== undefined && pb !== undefined) return compareParsed(pa, pb);
  if (pa !== undefined) return -1;
  if (pb !== undefined) return 1;
  return compareStrings(a, b);
}
