/**
 * Shared test kit for version schemes: runs a table of expected orderings in both directions and
 * the algebraic properties every `compare` must have (reflexive, antisymmetric, transitive, never
 * throwing) over fast-check generated versions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VersionScheme } from '../scheme.js';

export type Expectation = readonly [string, '<' | '=' | '>', string];

const SIGN = { '<': -1, '=': 0, '>': 1 } as const;

export function describeOrderingTable(scheme: VersionScheme, table: readonly Expectation[]): void {
  describe(`${scheme.name} ordering table`, () => {
    it.each(table.map((row) => [`${row[0]} ${row[1]} ${row[2]}`, row] as const))('%s', (_label, [a, op, b]) => {
      expect(scheme.compare(a, b)).toBe(SIGN[op]);
      expect(scheme.compare(b, a)).toBe(-SIGN[op] || 0);
    });
  });
}

/** Builds a version string from small parts so that generated versions often tie or nearly tie. */
export function joined(parts: fc.Arbitrary<string>, seps: readonly string[], max = 5): fc.Arbitrary<string> {
  return fc
    .array(fc.tuple(fc.constantFrom(...seps), parts), { minLength: 1, maxLength: max })
    .map((xs) => xs.map(([sep, p], i) => (i === 0 ? p : sep + p)).join(''));
}

export interface OrderingOptions {
  readonly runs?: number;
  /**
   * Restricts the transitivity check to the versions where the ecosystem's own order is
   * transitive; only for schemes whose reference implementation provably cycles outside it
   * (the cycle itself belongs in the scheme's table, cross-checked against that implementation).
   */
  readonly transitiveOn?: (v: string) => boolean;
}

export function describeOrderingProperties(scheme: VersionScheme, versions: fc.Arbitrary<string>, options: OrderingOptions = {}): void {
  const runs = options.runs ?? 400;
  const transitiveOn = options.transitiveOn ?? (() => true);
  // Mix in arbitrary strings so the unparseable-input fallback is part of the order being checked.
  const anyVersion = fc.oneof({ arbitrary: versions, weight: 9 }, { arbitrary: fc.string({ maxLength: 12 }), weight: 1 });
  describe(`${scheme.name} ordering properties`, () => {
    it('is reflexive and never throws', () => {
      fc.assert(
        fc.property(anyVersion, (a) => {
          expect(scheme.compare(a, a)).toBe(0);
          expect(typeof scheme.valid(a)).toBe('boolean');
        }),
        { numRuns: runs },
      );
    });
    it('is antisymmetric', () => {
      fc.assert(
        fc.property(anyVersion, anyVersion, (a, b) => {
          expect(scheme.compare(a, b)).toBe(-scheme.compare(b, a) || 0);
        }),
        { numRuns: runs },
      );
    });
    it('is transitive on sorted triples', () => {
      fc.assert(
        fc.property(anyVersion, anyVersion, anyVersion, (a, b, c) => {
          fc.pre(transitiveOn(a) && transitiveOn(b) && transitiveOn(c));
          const [x, y, z] = [a, b, c].sort((p, q) => scheme.compare(p, q)) as [string, string, string];
          expect(scheme.compare(x, y)).toBeLessThanOrEqual(0);
          expect(scheme.compare(y, z)).toBeLessThanOrEqual(0);
          expect(scheme.compare(x, z)).toBeLessThanOrEqual(0);
          if (scheme.compare(x, y) === 0 && scheme.compare(y, z) === 0) expect(scheme.compare(x, z)).toBe(0);
        }),
        { numRuns: runs },
      );
    });
    it('treats generated versions as valid or falls back consistently', () => {
      fc.assert(
        fc.property(anyVersion, anyVersion, (a, b) => {
          // Fallback contract: a valid version never sorts after an unparseable one.
          if (scheme.valid(a) && !scheme.valid(b) && scheme.compare(a, b) > 0) {
            // Only schemes whose compare accepts more than `valid` (deb, rpm, alpm, maven) may do this.
            expect(['deb', 'rpm', 'alpm', 'maven']).toContain(scheme.name);
          }
        }),
        { numRuns: runs },
      );
    });
  });
}
