/**
 * Packagist/Composer versions: normalized like Composer's VersionParser::normalize (optional `v`,
 * four numeric parts, date versions, stability suffixes expanded to dev < alpha < beta < RC <
 * stable < patch, `-dev` markers, `x.y.x-dev` branch aliases) and then ordered like PHP's
 * `version_compare` on the normalized strings, which is what Composer's constraints use.
 * Named branches (`dev-main`) have no order in Composer; here they sort after every numeric
 * version and among themselves by name, so the order stays total.
 */
import type { Ordering, VersionScheme } from './scheme.js';
import { compareDigitRuns, compareStrings, compareWithFallback, isAlphaCode, isDigitCode } from './scheme.js';

const MODIFIER = '[._-]?(?:(stable|beta|b|rc|alpha|a|patch|pl|p)((?:[.-]?\\d+)*)?)?([.-]?dev)?';
const CLASSICAL = new RegExp(`^v?(\\d{1,5})(\\.\\d+)?(\\.\\d+)?(\\.\\d+)?${MODIFIER}$`, 'i');
const DATE = new RegExp(`^v?(\\d{4}(?:[.:-]?\\d{2}){1,6}(?:[.:-]?\\d{1,3}){0,2})${MODIFIER}$`, 'i');
const BRANCH = /^v?(\d+)(\.(?:\d+|[x*]))?(\.(?:\d+|[x*]))?(\.(?:\d+|[x*]))?[.-]?dev$/i;

/** Normalized form: a numeric version (PHP-canonical parts) or a named branch. */
export type ComposerVersion = { readonly branch: false; readonly parts: readonly Part[] } | { readonly branch: true; readonly name: string };

/** A digit run, or a PHP "special form" rank: dev 0, alpha/a 1, beta/b 2, RC 3, (number 4), pl/p/patch 5, other -6. */
type Part = { readonly digits: string } | { readonly rank: number };

const STABILITY: Readonly<Record<string, string>> = { a: 'alpha', b: 'beta', p: 'patch', pl: 'patch', rc: 'RC' };

export function normalizeComposer(input: string): string | undefined {
  let v = input.trim();
  if (v.length === 0 || v.length > 256) return undefined;
  const at = v.search(/@(?:stable|rc|beta|alpha|dev)$/i);
  if (at > 0) v = v.slice(0, at);
  const plus = v.indexOf('+');
  if (plus > 0) v = v.slice(0, plus);
  if (/^(?:dev-)?(?:master|trunk|default)$/i.test(v)) return `dev-${v.replace(/^dev-/i, '')}`;
  if (/^dev-/i.test(v)) return v.length > 4 ? `dev-${v.slice(4)}` : undefined;

  let m = CLASSICAL.exec(v);
  let base: string;
  if (m !== null) {
    base = `${m[1]}${m[2] ?? '.0'}${m[3] ?? '.0'}${m[4] ?? '.0'}`;
  } else {
    m = DATE.exec(v);
    if (m === null) {
      const b = BRANCH.exec(v);
      if (b === null) return undefined;
      const fill = (g: string | undefined): string => (g === undefined || /[x*]/i.test(g) ? '.9999999' : g);
      return `${b[1]}${fill(b[2])}${fill(b[3])}${fill(b[4])}-dev`;
    }
    base = (m[1] as string).replace(/\D/g, '.');
  }
  const n = m.length;
  const stability = m[n - 3];
  const stabilityNum = m[n - 2];
  const dev = m[n - 1];
  if (stability !== undefined && stability !== '') {
    const lower = stability.toLowerCase();
    if (lower === 'stable') return base;
    base += `-${STABILITY[lower] ?? lower}${stabilityNum === undefined ? '' : stabilityNum.replace(/^[.-]/, '')}`;
  }
  if (dev !== undefined && dev !== '') base += '-dev';
  return base;
}

const FORMS: ReadonlyArray<readonly [string, number]> = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];

function formRank(word: string): number {
  for (const [name, rank] of FORMS) if (word.startsWith(name)) return rank;
  return -6;
}

/** php_canonicalize_version + split: digit runs and letter runs, everything else separates. */
function phpParts(s: string): Part[] {
  const out: Part[] = [];
  let i = 0;
  while (i < s.length) {
    const start = i;
    const digit = isDigitCode(s.charCodeAt(i));
    while (i < s.length && (digit ? isDigitCode(s.charCodeAt(i)) : isAlphaCode(s.charCodeAt(i)))) i++;
    if (i === start) {
      i++;
      continue;
    }
    const word = s.slice(start, i);
    out.push(digit ? { digits: word } : { rank: formRank(word) });
  }
  return out;
}

function parse(v: string): ComposerVersion | undefined {
  const n = normalizeComposer(v);
  if (n === undefined) return undefined;
  if (n.startsWith('dev-')) return { branch: true, name: n };
  return { branch: false, parts: phpParts(n) };
}

const NUMBER_RANK = 4;

function rankOf(p: Part): number {
  return 'rank' in p ? p.rank : NUMBER_RANK;
}

/** PHP's version_compare over canonical parts. */
function phpCompare(a: readonly Part[], b: readonly Part[]): Ordering {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as Part;
    const y = b[i] as Part;
    let c: Ordering;
    if ('digits' in x && 'digits' in y) c = compareDigitRuns(x.digits, 0, x.digits.length, y.digits, 0, y.digits.length);
    else {
      const d = rankOf(x) - rankOf(y);
      c = d < 0 ? -1 : d > 0 ? 1 : 0;
    }
    if (c !== 0) return c;
  }
  if (a.length === b.length) return 0;
  const longerIsA = a.length > b.length;
  const rest = (longerIsA ? a : b)[n] as Part;
  // A further number makes the longer one newer; a further word compares against "#" (a number).
  let c: Ordering = 'digits' in rest ? 1 : rest.rank < NUMBER_RANK ? -1 : 1;
  if (!longerIsA) c = c === 1 ? -1 : 1;
  return c;
}

function compareParsed(x: ComposerVersion, y: ComposerVersion): Ordering {
  if (x.branch || y.branch) {
    if (x.branch && y.branch) return compareStrings(x.name, y.name);
    return x.branch ? 1 : -1;
  }
  return phpCompare(x.parts, y.parts);
}

export const composer: VersionScheme = {
  name: 'composer',
  compare: (a, b) => (a === b ? 0 : compareWithFallback(a, b, parse, compareParsed)),
  valid: (v) => normalizeComposer(v) !== undefined,
};
