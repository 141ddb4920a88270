import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compare } from '../../versions/index.js';
import type { AffectedRange } from '../advisory.js';
import { evaluate, evaluateRange, listedInJsonText } from './osv-ranges.js';

const semver = (a: string, b: string) => compare('semver', a, b);
const R = (...events: AffectedRange['events']): AffectedRange => ({ type: 'SEMVER', events });

describe('OSV range evaluation', () => {
  it('honours [introduced, fixed) intervals, several per range', () => {
    const r = R({ introduced: '0' }, { fixed: '1.2.0' }, { introduced: '2.0.0' }, { fixed: '2.1.3' });
    const at = (v: string) => evaluateRange(r, v, semver).affected;
    expect([at('0.1.0'), at('1.1.9'), at('1.2.0'), at('1.5.0'), at('2.0.0'), at('2.1.2'), at('2.1.3'), at('3.0.0')]).toEqual([true, true, false, false, true, true, false, false]);
    expect(evaluateRange(r, '2.0.5', semver).hit).toEqual({ introduced: '2.0.0', fixed: '2.1.3' });
  });

  it('treats last_affected as inclusive and limit as an upper cap', () => {
    const r = R({ introduced: '1.0.0' }, { last_affected: '1.4.0' });
    expect([evaluateRange(r, '1.4.0', semver).affected, evaluateRange(r, '1.4.1', semver).affected, evaluateRange(r, '0.9.0', semver).affected]).toEqual([true, false, false]);
    const l = R({ introduced: '0' }, { limit: '2.0.0' });
    expect([evaluateRange(l, '1.9.9', semver).affected, evaluateRange(l, '2.0.0', semver).affected]).toEqual([true, false]);
  });

  it('sorts unsorted events on a copy without mutating the advisory', () => {
    const events: AffectedRange['events'] = [{ fixed: '1.5.0' }, { introduced: '1.0.0' }];
    const r = R(...events);
    expect(evaluateRange(r, '1.2.0', semver).affected).toBe(true);
    expect(r.events).toEqual([{ fixed: '1.5.0' }, { introduced: '1.0.0' }]);
  });

  it('does not let a GIT range or an unsupported scheme hide later ranges, and matches explicit versions', () => {
    const ranges: AffectedRange[] = [
      { type: 'GIT', events: [{ introduced: 'abc' }, { fixed: 'def' }] },
      { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '9' }] },
      R({ introduced: '0' }, { fixed: '1.0.0' }),
    ];
    const e = evaluate(ranges, [], '0.5.0', (t) => (t === 'SEMVER' ? semver : undefined));
    expect(e).toMatchObject({ affected: true, skipped: 1 });
    expect(evaluate([], ['1.0', '1.1'], '1.1', () => undefined).affected).toBe(true);
    expect(evaluate([], ['1.0', '1.1'], '1.2', () => undefined).affected).toBe(false);
  });

  it('answers whether a JSON string list holds a version exactly as parsing it would, or defers', () => {
    expect(listedInJsonText('["1.0","1.0.1","0.1.0"]', '1.0')).toBe(true);
    expect(listedInJsonText('["10.1.0"]', '0.1.0')).toBe(false);
    // A "," element boundary is no element, and escaped text is left to the parser.
    expect(listedInJsonText('["a,",",x"]', ',')).toBe(false);
    expect(listedInJsonText('["a\\"b"]', 'b')).toBeUndefined();
    const alphabet = fc.constantFrom('1', '0', '.', ',', '"', '[', ']', '\\', 'a', ' ');
    const version = fc.array(alphabet, { maxLength: 6 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(fc.array(version, { maxLength: 8 }), version, (list, c) => {
        const found = listedInJsonText(JSON.stringify(list), c);
        if (found !== undefined) expect(found).toBe(list.includes(c));
      }),
      { numRuns: 2000 },
    );
  });
});
