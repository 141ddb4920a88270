/**
 * The OSV range evaluation (https://ossf.github.io/osv-schema/#evaluation): a version is affected when it
 * lies in some [introduced, fixed) or [introduced, last_affected] interval of a range, or is listed in
 * `versions`. Events are sorted on a copy (advisory data is never mutated), ranges whose versions the
 * scheme cannot order are skipped (never fatal, never stop the other ranges), GIT ranges are skipped
 * (they need commit graphs). `limit` caps a range: versions at or above a limit are not affected by it.
 */
import type { AffectedRange, RangeEvent } from '../advisory.js';

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

type Ev = { kind: 'introduced' | 'fixed' | 'last_affected' | 'limit'; v: string };

function flatten(e: RangeEvent): Ev {
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

/** Evaluates one range for `version`; throws when the scheme cannot order a version (caller skips). */
export function evaluateRange(range: AffectedRange, version: string, compare: Compare): { affected: boolean; hit?: RangeHit; fixed: string[] } {
  const events = range.events.map(flatten).sort((a, b) => cmpEvent(compare, a, b));
  const fixed = events.filter((e) => e.kind === 'fixed').map((e) => e.v);
  for (const e of events) if (e.kind === 'limit' && compare(version, e.v) >= 0) return { affected: false, fixed };
  let affected = false;
  let opened: number | undefined;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as Ev;
    if (e.kind === 'introduced' && (e.v === '0' || compare(version, e.v) >= 0)) {
      affected = true;
      opened = i;
    } else if (e.kind === 'fixed' && compare(version, e.v) >= 0) affected = false;
    else if (e.kind === 'last_affected' && compare(version, e.v) > 0) affected = false;
  }
  if (!affected || opened === undefined) return { affected: false, fixed };
  const start = events[opened] as Ev;
  const end = events.slice(opened + 1).find((e) => e.kind === 'fixed' || e.kind === 'last_affected');
  const hit: RangeHit = {
    introduced: start.v,
    ...(end?.kind === 'fixed' ? { fixed: end.v } : {}),
    ...(end?.kind === 'last_affected' ? { lastAffected: end.v } : {}),
  };
  return { affected: true, hit, fixed };
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
