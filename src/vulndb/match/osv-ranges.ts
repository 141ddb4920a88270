/**
 * The OSV range evaluation (https://ossf.github.io/osv-schema/#evaluation): a version is affected when it
 * lies in some [introduced, fixed) or [introduced, last_affected] interval of a range, or is listed in
 * `versions`. Events are sorted on a copy (advisory data is never mutated), ranges whose versions the
 * scheme cannot order are skipped (never fatal, never stop the other ranges), GIT ranges are skipped
 * (they need commit graphs). `limit` caps a range: versions at or above a limit are not affected by it.
 */
import type { AffectedRange, RangeEvent, RangeType } from '../advisory.js';

export type Compare = (a: string, b: string) => -1 | 0 | 1;

export interface RangeHit {
  readonly introduced?: string;
  readonly fixed?: string;
  readonly lastAffected?: string;
}

export interface Evaluation {
  readonly affected: boolean;
  /** The interval that matched (absent for a `versions` list hit). */
  readonly hit?: RangeHit;
  /** Every `fixed` version of the evaluated ranges (for the upgrade suggestion). */
  readonly fixed: readonly string[];
  /** Ranges skipped because a version could not be compared. */
  readonly skipped: number;
}

/** A flattened range event. */
export type Ev = { kind: 'introduced' | 'fixed' | 'last_affected' | 'limit'; v: string };

export function flatten(e: RangeEvent): Ev {
  if ('introduced' in e) return { kind: 'introduced', v: e.introduced };
  if ('fixed' in e) return { kind: 'fixed', v: e.fixed };
  if ('last_affected' in e) return { kind: 'last_affected', v: e.last_affected };
  return { kind: 'limit', v: e.limit };
}

/** introduced "0" sorts before everything; otherwise the scheme's order. */
function cmpEvent(compare: Compare, a: Ev, b: Ev): number {
  const az = a.kind === 'introduced' && a.v === '0';
  const bz = b.kind === 'introduced' && b.v === '0';
  if (az || bz) return az === bz ? 0 : az ? -1 : 1;
  return compare(a.v, b.v);
}

/** Sorts a range's events on a copy in the scheme's order; throws when the scheme cannot order them. */
function sortedEvents(range: AffectedRange, compare: Compare): Ev[] {
  return sortEvents(range.events.map(flatten), compare);
}

const INSERTION_SORT_MAX = 16;

/** Sorts events on a copy in the scheme's order (stable); throws when the scheme cannot order them. */
function sortEvents(events: readonly Ev[], compare: Compare): Ev[] {
  const out = events.slice();
  if (out.length > INSERTION_SORT_MAX) return out.sort((a, b) => cmpEvent(compare, a, b));
  // Most ranges hold two to four events, where Array.prototype.sort's setup costs more than sorting.
  for (let i = 1; i < out.length; i++) {
    const e = out[i] as Ev;
    let j = i - 1;
    for (; j >= 0 && cmpEvent(compare, out[j] as Ev, e) > 0; j--) out[j + 1] = out[j] as Ev;
    out[j + 1] = e;
  }
  return out;
}

/**
 * The interval walk over sorted events: the interval holding the version, or undefined when none does.
 * Throws when the scheme cannot order `version` against them.
 */
function evaluateSorted(events: readonly Ev[], against: (v: string) => -1 | 0 | 1): RangeHit | undefined {
  for (const e of events) if (e.kind === 'limit' && against(e.v) >= 0) return undefined;
  let affected = false;
  let opened = -1;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as Ev;
    if (e.kind === 'introduced' && (e.v === '0' || against(e.v) >= 0)) {
      affected = true;
      opened = i;
    } else if (e.kind === 'fixed' && against(e.v) >= 0) affected = false;
    else if (e.kind === 'last_affected' && against(e.v) > 0) affected = false;
  }
  if (!affected || opened < 0) return undefined;
  const start = events[opened] as Ev;
  let end: Ev | undefined;
  for (let i = opened + 1; i < events.length && end === undefined; i++) {
    const e = events[i] as Ev;
    if (e.kind === 'fixed' || e.kind === 'last_affected') end = e;
  }
  if (end?.kind === 'fixed') return { introduced: start.v, fixed: end.v };
  if (end?.kind === 'last_affected') return { introduced: start.v, lastAffected: end.v };
  return { introduced: start.v };
}

/** Evaluates one range for `version`; throws when the scheme cannot order a version (caller skips). */
export function evaluateRange(range: AffectedRange, version: string, compare: Compare): { affected: boolean; hit?: RangeHit; fixed: string[] } {
  const events = sortedEvents(range, compare);
  const fixed = events.filter((e) => e.kind === 'fixed').map((e) => e.v);
  const hit = evaluateSorted(events, (v) => compare(version, v));
  return hit !== undefined ? { affected: true, hit, fixed } : { affected: false, fixed };
}

/**
 * A range prepared for repeated evaluation: its events flattened, and sorted once (per scheme, on
 * first use) instead of on every call. GIT ranges are never prepared: they need commit graphs.
 */
export interface PreparedRange {
  readonly type: Exclude<RangeType, 'GIT'>;
  /** The events in stored order. */
  readonly events: readonly Ev[];
  /** Sorted events, or null when the scheme could not order them (the range is then always skipped). */
  sorted?: Ev[] | null;
}

export function prepareRanges(ranges: readonly AffectedRange[]): PreparedRange[] {
  const out: PreparedRange[] = [];
  for (const r of ranges) if (r.type !== 'GIT') out.push({ type: r.type, events: r.events.map(flatten) });
  return out;
}

/** How a range type's versions are ordered, for one installed version. */
export interface RangeOrder {
  /** Orders two versions (sorts the events). */
  readonly compare: Compare;
  /** `compare(installed, v)` with the installed version normalized for the range type (callers memoize it). */
  readonly against: (v: string) => -1 | 0 | 1;
}

/**
 * The ranges part of `evaluate` over prepared ranges: the interval of the first range holding the
 * installed version (which `orderFor` compares against), or undefined. Neither `fixed` (the matcher
 * reads fixed versions from the ranges itself) nor the explicit `versions` list, which the caller
 * consults when no range matched.
 */
export function evaluatePrepared(ranges: readonly PreparedRange[], orderFor: (type: AffectedRange['type']) => RangeOrder | undefined): RangeHit | undefined {
  for (const p of ranges) {
    const order = orderFor(p.type);
    if (order === undefined) continue;
    if (p.sorted === undefined) {
      try {
        p.sorted = sortEvents(p.events, order.compare);
      } catch {
        p.sorted = null;
      }
    }
    if (p.sorted === null) continue;
    try {
      const hit = evaluateSorted(p.sorted, order.against);
      if (hit !== undefined) return hit;
    } catch {
      // A version the scheme cannot order skips this range only.
    }
  }
  return undefined;
}

/**
 * Evaluates an affected entry's ranges and explicit versions. `compareFor` gives the comparator of a
 * range type (SEMVER → semver, ECOSYSTEM → the ecosystem's scheme) or undefined when there is none.
 */
export function evaluate(
  ranges: readonly AffectedRange[],
  versions: readonly string[],
  version: string,
  compareFor: (type: AffectedRange['type']) => Compare | undefined,
  normalize: (type: AffectedRange['type'], v: string) => string = (_t, v) => v,
): Evaluation {
  let skipped = 0;
  let hit: RangeHit | undefined;
  let affected = false;
  const fixed: string[] = [];
  for (const range of ranges) {
    if (range.type === 'GIT') continue;
    const compare = compareFor(range.type);
    if (compare === undefined) {
      skipped++;
      continue;
    }
    try {
      const r = evaluateRange(range, normalize(range.type, version), compare);
      fixed.push(...r.fixed);
      if (r.affected && !affected) {
        affected = true;
        hit = r.hit;
      }
    } catch {
      skipped++;
    }
  }
  if (!affected && versions.length > 0) {
    const candidates = new Set([version, normalize('SEMVER', version), normalize('ECOSYSTEM', version)]);
    if (versions.some((v) => candidates.has(v))) affected = true;
  }
  return { affected, ...(hit !== undefined ? { hit } : {}), fixed, skipped };
}

/** Printable ASCII without quote and backslash: JSON.stringify writes such a string verbatim. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * Whether the JSON text of a string list (as JSON.stringify writes it) holds `c`, or undefined when
 * either has characters JSON escapes (then parse it).
 * Without escapes every quote is structural, so `"c"` starting at a quote preceded by an even number
 * of quotes is a whole element: an exact answer without parsing (lists can hold thousands of versions).
 */
export function listedInJsonText(text: string, c: string): boolean | undefined {
  if (!PLAIN.test(c) || text.includes('\\')) return undefined;
  const needle = `"${c}"`;
  let quotes = 0;
  let counted = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
    for (; counted < at; counted++) if (text.charCodeAt(counted) === 34) quotes++;
    if (quotes % 2 === 0) return true;
  }
  return false;
}
