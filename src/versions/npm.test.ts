import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expectation } from './_testkit/ordering.js';
import { describeOrderingProperties, describeOrderingTable } from './_testkit/ordering.js';
import { npm } from './npm.js';

// SemVer §11 precedence examples plus the loose forms npm tolerates.
const TABLE: Expectation[] = [
  ['1.0.0', '<', '2.0.0'],
  ['2.0.0', '<', '2.1.0'],
  ['2.1.0', '<', '2.1.1'],
  ['1.0.0-alpha', '<', '1.0.0-alpha.1'],
  ['1.0.0-alpha.1', '<', '1.0.0-alpha.beta'],
  ['1.0.0-alpha.beta', '<', '1.0.0-beta'],
  ['1.0.0-beta', '<', '1.0.0-beta.2'],
  ['1.0.0-beta.2', '<', '1.0.0-beta.11'],
  ['1.0.0-beta.11', '<', '1.0.0-rc.1'],
  ['1.0.0-rc.1', '<', '1.0.0'],
  ['1.0.0+build.1', '=', '1.0.0+build.2'],
  ['1.0.0+build', '=', '1.0.0'],
  ['v1.2.3', '=', '1.2.3'],
  ['=1.2.3', '=', '1.2.3'],
  [' 1.2.3 ', '=', '1.2.3'],
  ['1.2.3beta', '=', '1.2.3-beta'],
  ['01.2.3', '=', '1.2.3'],
  ['1.0.0-Alpha', '<', '1.0.0-alpha'],
  ['1.0.0-1', '<', '1.0.0-a'],
  ['1.0.0-2', '<', '1.0.0-10'],
  ['0.0.1', '<', '0.0.2'],
  ['10.0.0', '>', '9.9.9'],
  ['4.17.20', '<', '4.17.21'],
  ['1.0.0-0', '<', '1.0.0-alpha'],
  ['1.0.0-rc.1', '>', '1.0.0-rc.0'],
];

describe('npm', () => {
  it('validates loosely like npm', () => {
    for (const v of ['1.2.3', 'v1.2.3', '=1.2.3', '1.2.3-beta.1+b', '1.2.3beta']) expect(npm.valid(v), v).toBe(true);
    for (const v of ['', '1.2', '1', 'latest', '1.2.3.4', 'x.y.z']) expect(npm.valid(v), v).toBe(false);
  });
  it('orders unparseable versions after valid ones, then as strings', () => {
    expect(npm.compare('latest', '999.0.0')).toBe(1);
    expect(npm.compare('1.2', '1.2.0')).toBe(1);
    expect(npm.compare('1.2', '1.3')).toBe(-1);
  });
});

describeOrderingTable(npm, TABLE);

const n = fc.oneof(fc.constantFrom('0', '1', '2', '10'), fc.nat(20).map(String));
const pre = fc.array(fc.oneof(n, fc.constantFrom('alpha', 'beta', 'rc', 'Alpha', 'x-y')), { maxLength: 3 });
const semverLike = fc
  .tuple(n, n, n, pre, fc.constantFrom('', '+build', '+b.1'))
  .map(([a, b, c, p, m]) => `${a}.${b}.${c}${p.length > 0 ? `-${p.join('.')}` : ''}${m}`);
describeOrderingProperties(npm, fc.oneof(semverLike, semverLike.map((v) => `v${v}`)));
