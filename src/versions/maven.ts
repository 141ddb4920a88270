/**
 * Maven versions ordered like maven-artifact's ComparableVersion (Maven 3.8.x; maven.test.ts
 * cross-checks against the 3.8.7 jar): the version splits on `.`, `-` and digit/letter transitions
 * into a tree of items (a `-` or a transition opens a sub-list); trailing "null" items (0, "", ga,
 * final, release) are trimmed; qualifiers order alpha < beta < milestone < rc = cr < snapshot <
 * "" = ga = final = release < sp < anything else (lexically). Every string parses, so the fallback
 * in scheme.ts is never needed here.
 */
import type { Ordering, VersionScheme } from './scheme.js';
import { compareDigitRuns, compareStrings, isDigitCode, negate } from './scheme.js';

export type MavenItem = IntItem | StringItem | ListItem;
type Item = MavenItem;
interface IntItem {
  readonly t: 0;
  /** Digits without leading zeros ("0" for zero). */
  readonly v: string;
}
interface StringItem {
  readonly t: 1;
  /** comparableQualifier: "0".."6" for known qualifiers, "7-<text>" for unknown ones. */
  readonly q: string;
}
interface ListItem {
  readonly t: 2;
  readonly items: Item[];
}

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const RELEASE_INDEX = '5';
const ALIASES: Readonly<Record<string, string>> = { ga: '', final: '', release: '', cr: 'rc' };

function comparableQualifier(value: string): string {
  const i = QUALIFIERS.indexOf(value);
  return i === -1 ? `${QUALIFIERS.length}-${value}` : String(i);
}

function stringItem(value: string, followedByDigit: boolean): StringItem {
  let v = value;
  if (followedByDigit && v.length === 1) {
    // "a1", "b2", "m3" are short for alpha-1, beta-2, milestone-3.
    if (v === 'a') v = 'alpha';
    else if (v === 'b') v = 'beta';
    else if (v === 'm') v = 'milestone';
  }
  v = ALIASES[v] ?? v;
  return { t: 1, q: comparableQualifier(v) };
}

function intItem(digits: string): IntItem {
  let k = 0;
  while (k < digits.length - 1 && digits.charCodeAt(k) === 48) k++;
  return { t: 0, v: k === 0 ? digits : digits.slice(k) };
}

const ZERO: IntItem = { t: 0, v: '0' };

function isNull(item: Item): boolean {
  if (item.t === 0) return item.v === '0';
  if (item.t === 1) return item.q === RELEASE_INDEX;
  return item.items.length === 0;
}

function normalize(list: ListItem): void {
  for (let i = list.items.length - 1; i >= 0; i--) {
    const last = list.items[i] as Item;
    if (isNull(last)) list.items.splice(i, 1);
    else if (last.t !== 2) break;
  }
}

export function parseMaven(version: string): ListItem {
  const s = version.toLowerCase();
  const root: ListItem = { t: 2, items: [] };
  let list = root;
  const stack: ListItem[] = [root];
  let isDigit = false;
  let start = 0;
  const openList = (): void => {
    const next: ListItem = { t: 2, items: [] };
    list.items.push(next);
    list = next;
    stack.push(next);
  };
  const parseItem = (digit: boolean, text: string): Item => (digit ? intItem(text) : stringItem(text, false));
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      list.items.push(i === start ? ZERO : parseItem(isDigit, s.slice(start, i)));
      start = i + 1;
    } else if (c === 45) {
      list.items.push(i === start ? ZERO : parseItem(isDigit, s.slice(start, i)));
      start = i + 1;
      openList();
    } else if (isDigitCode(c)) {
      if (!isDigit && i > start) {
        // "1.0.0.X1" < "1.0.0-X2": a qualifier followed by digits opens its own sub-list.
        if (list.items.length > 0) openList();
        list.items.push(stringItem(s.slice(start, i), true));
        start = i;
        openList();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.items.push(parseItem(true, s.slice(start, i)));
        start = i;
        openList();
      }
      isDigit = false;
    }
  }
  if (s.length > start) {
    // A trailing qualifier after "." counts as after "-" ("1.0.0.X1" < "1.0.0-X2"), as in Maven 3.8.
    if (!isDigit && list.items.length > 0) openList();
    list.items.push(parseItem(isDigit, s.slice(start)));
  }
  for (let k = stack.length - 1; k >= 0; k--) normalize(stack[k] as ListItem);
  return root;
}

/** Item.compareTo(null): how an item compares against a missing item in the shorter list. */
function compareToNull(item: Item): Ordering {
  if (item.t === 0) return item.v === '0' ? 0 : 1;
  if (item.t === 1) return compareStrings(item.q, RELEASE_INDEX);
  // The whole sub-list counts, not just its first item (MNG-6964).
  for (const sub of item.items) {
    const c = compareToNull(sub);
    if (c !== 0) return c;
  }
  return 0;
}

export function compareItems(a: Item, b: Item): Ordering {
  if (a.t === 0) {
    if (b.t === 0) return compareDigitRuns(a.v, 0, a.v.length, b.v, 0, b.v.length);
    return 1; // 1.1 > 1-sp and 1.1 > 1-1
  }
  if (a.t === 1) {
    if (b.t === 1) return compareStrings(a.q, b.q);
    return -1; // 1.any < 1.1 and 1.any < 1-1
  }
  if (b.t === 0) return -1;
  if (b.t === 1) return 1;
  const n = Math.max(a.items.length, b.items.length);
  for (let i = 0; i < n; i++) {
    const l = a.items[i];
    const r = b.items[i];
    let c: Ordering;
    if (l === undefined) c = r === undefined ? 0 : negate(compareToNull(r));
    else c = r === undefined ? compareToNull(l) : compareItems(l, r);
    if (c !== 0) return c;
  }
  return 0;
}

export const maven: VersionScheme = {
  name: 'maven',
  compare: (a, b) => (a === b ? 0 : compareItems(parseMaven(a.trim()), parseMaven(b.trim()))),
  // ComparableVersion accepts any string; an empty one is the only thing Maven itself rejects.
  valid: (v) => v.trim().length > 0 && !/\s/.test(v.trim()),
};
