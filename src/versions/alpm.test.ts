import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expectation } from './_testkit/ordering.js';
import { describeOrderingProperties, describeOrderingTable, joined } from './_testkit/ordering.js';
import { alpm } from './alpm.js';

// Mostly pacman's own vercmp test cases (test/util/vercmptest.sh).
const TABLE: Expectation[] = [
  ['1.5.0', '=', '1.5.0'],
  ['1.5.1', '>', '1.5.0'],
  ['1.5.1', '>', '1.5'],
  ['1.5.0-1', '<', '1.5.0-2'],
  ['1.5.0-1', '<', '1.5.1-1'],
  ['1.5.0-2', '<', '1.5.1-1'],
  ['1.5-1', '<', '1.5.1-1'],
  ['1.5-2', '<', '1.5.1-2'],
  ['1.0-1', '<', '1.1'],
  ['1.1-1', '>', '1.0'],
  ['1.5b-1', '<', '1.5-1'],
  ['1.5b', '<', '1.5'],
  ['1.5b-1', '<', '1.5'],
  ['1.5b', '<', '1.5.1'],
  ['1.0a', '<', '1.0alpha'],
  ['1.0alpha', '<', '1.0b'],
  ['1.0b', '<', '1.0beta'],
  ['1.0beta', '<', '1.0rc'],
  ['1.0rc', '<', '1.0'],
  ['1.5.a', '>', '1.5'],
  ['1.5.b', '>', '1.5.a'],
  ['1.5.1', '>', '1.5.b'],
  ['1.5-1', '<', '1.5.b'],
  ['2.0', '=', '2_0'],
  ['2.0_a', '=', '2_0.a'],
  ['2.0a', '<', '2.0.a'],
  ['2___a', '>', '2_a'],
  ['0:1.0', '<', '0:1.1'],
  ['1:1.0', '>', '0:1.1'],
  ['1:1.0', '<', '2:1.1'],
  ['1:1.0', '>', '0:1.0-1'],
  ['1:1.0-1', '>', '0:1.1-1'],
  ['0:1.0', '=', '1.0'],
  ['1:1.0', '>', '1.1'],
  ['2.41-5', '<', '2.41-5.1'],
  // pacman treats a missing pkgrel as matching any; a total order puts it first instead.
  ['1.5', '<', '1.5-1'],
];

describe('alpm', () => {
  it('validates pkgver-pkgrel', () => {
    expect(alpm.valid('1:2.41-5')).toBe(true);
    expect(alpm.valid('2.41')).toBe(false);
    expect(alpm.valid('x:2.41-1')).toBe(false);
    expect(alpm.valid('2-41-1')).toBe(false);
  });
  it('orders unparseable versions after valid ones, then as strings', () => {
    expect(alpm.compare('x:1.0-1', '1.0-1')).toBe(1);
    expect(alpm.compare('', 'x:1')).toBe(-1);
  });
});

describeOrderingTable(alpm, TABLE);

const part = fc.oneof(fc.constantFrom('0', '1', '01', 'a', 'b', 'rc', ''), fc.nat(12).map(String));
const alpmVersion = fc
  .tuple(fc.constantFrom('', '1:'), joined(part, ['.', '_', '', '+', '..']), fc.constantFrom('', '-1', '-2', '-1.1'))
  .map(([e, v, r]) => `${e}1${v}${r}`);
describeOrderingProperties(alpm, alpmVersion);
