import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findTool } from '../../test/helpers/tools.js';
import type { Expectation } from './_testkit/ordering.js';
import { describeOrderingProperties, describeOrderingTable, joined } from './_testkit/ordering.js';
import { deb } from './deb.js';

const TABLE: Expectation[] = [
  ['1.0~rc1', '<', '1.0'],
  ['1.0~rc1', '<', '1.0~rc2'],
  ['1.0~~', '<', '1.0~'],
  ['1.0~', '<', '1.0'],
  ['1.0~rc1-1', '<', '1.0-1'],
  ['1:0.9', '>', '2.0'],
  ['0:2.0', '=', '2.0'],
  ['2.36-9+deb12u4', '<', '2.36-9+deb12u7'],
  ['2.36-9+deb12u7', '<', '2.36-10'],
  ['1.2.3+dfsg-1', '>', '1.2.3-1'],
  ['1.2.3+dfsg-1', '<', '1.2.3.1-1'],
  ['1.2.3+dfsg-1', '>', '1.2.3~dfsg-1'],
  ['1.2.3+dfsg-1', '<', '1.2.3+dfsg-1ubuntu1'],
  ['1.0', '=', '1.0-0'],
  ['1.0', '=', '1.00'],
  ['1.10', '>', '1.9'],
  ['1.0a', '<', '1.0+'],
  ['1.0a', '>', '1.0'],
  ['1.0a', '<', '1.0b'],
  ['1.0.', '>', '1.0a'],
  ['1.0-1', '<', '1.0-1.1'],
  ['1.0-1build1', '>', '1.0-1'],
  ['7.88.1-10+deb12u5', '<', '7.88.1-10+deb12u8'],
  ['3.0.11-1~deb12u2', '<', '3.0.11-1'],
  ['1:1.2', '<', '2:0.1'],
  ['10:1.0', '>', '9:9.9'],
  ['2.2.1-1ubuntu1', '<', '2.2.1-1ubuntu1.1'],
  ['1.0-1', '>', '1.0-0.1'],
  ['12345678901234567890', '<', '12345678901234567891'],
  ['1.0+git20200101', '<', '1.0+git20200102'],
];

describe('deb', () => {
  it('validates like dpkg', () => {
    expect(deb.valid('1:2.36-9+deb12u4')).toBe(true);
    expect(deb.valid('2.36')).toBe(true);
    expect(deb.valid('a1.0')).toBe(false);
    expect(deb.valid('x:1.0')).toBe(false);
    expect(deb.valid('1.0-')).toBe(false);
    expect(deb.valid('')).toBe(false);
    expect(deb.valid('1.0 2')).toBe(false);
  });
  it('orders unparseable versions after valid ones, then as strings', () => {
    expect(deb.compare('x:1', '99:1.0')).toBe(1);
    expect(deb.compare('', '1.0')).toBe(1);
    expect(deb.compare('x:1', 'y:1')).toBe(-1);
  });
  it('ignores surrounding whitespace', () => {
    expect(deb.compare(' 1.0 ', '1.0')).toBe(0);
  });
});

describeOrderingTable(deb, TABLE);

const part = fc.oneof(fc.constantFrom('0', '1', '2', '10', '01', 'a', 'b', 'rc1', 'dfsg', ''), fc.nat(20).map(String));
const upstream = joined(part, ['.', '~', '+', '', '.', '~~']).map((s) => `1${s}`);
const debVersion = fc
  .tuple(fc.constantFrom('', '0:', '1:', '2:'), upstream, fc.constantFrom('', '-1', '-1ubuntu1', '-0.1', '-2~bpo1', '-1+deb12u1'))
  .map(([e, u, r]) => e + u + r);
describeOrderingProperties(deb, debVersion);

// Optional cross-check: dpkg is the reference implementation, present on Debian-based machines.
const dpkg = findTool('dpkg');
describe.skipIf(dpkg === undefined)('deb agrees with dpkg --compare-versions (needs dpkg)', () => {
  it('matches dpkg on the table and on generated pairs', () => {
    const pairs: [string, string][] = TABLE.map(([a, , b]) => [a, b]);
    fc.sample(fc.tuple(debVersion, debVersion), { numRuns: 60, seed: 42 }).forEach((p) => pairs.push(p));
    for (const [a, b] of pairs) {
      const got = deb.compare(a, b);
      const op = got < 0 ? 'lt' : got > 0 ? 'gt' : 'eq';
      let ok = true;
      try {
        execFileSync(dpkg as string, ['--compare-versions', a, op, b], { stdio: 'ignore' });
      } catch {
        ok = false;
      }
      expect(ok, `${a} ${op} ${b}`).toBe(true);
    }
  });
});
