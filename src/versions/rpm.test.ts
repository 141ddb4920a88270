import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findTool } from '../../test/helpers/tools.js';
import type { Expectation } from './_testkit/ordering.js';
import { describeOrderingProperties, describeOrderingTable, joined } from './_testkit/ordering.js';
import { rpm } from './rpm.js';

// Mostly rpm's own rpmvercmp test cases (tests/rpmvercmp.at), plus EVR cases.
const TABLE: Expectation[] = [
  ['1.0', '<', '2.0'],
  ['2.0', '<', '2.0.1'],
  ['2.0.1a', '>', '2.0.1'],
  ['5.5p1', '<', '5.5p2'],
  ['5.5p10', '>', '5.5p1'],
  ['10xyz', '<', '10.1xyz'],
  ['xyz10', '<', 'xyz10.1'],
  ['xyz.4', '<', '8'],
  ['xyz.4', '<', '2'],
  ['5.6p1', '<', '6.5p1'],
  ['6.0.rc1', '>', '6.0'],
  ['10b2', '>', '10a1'],
  ['1.0aa', '>', '1.0a'],
  ['10.0001', '<', '10.0039'],
  ['4.999.9', '<', '5.0'],
  ['20101121', '<', '20101122'],
  ['2.0', '=', '2_0'],
  ['a+', '=', 'a_'],
  ['1.0~rc1', '<', '1.0'],
  ['1.0~rc1~git123', '<', '1.0~rc1'],
  ['1.0^', '>', '1.0'],
  ['1.0^git1', '>', '1.0'],
  ['1.0^git1', '<', '1.0.1'],
  ['1.0^20160101', '<', '1.0^20160102'],
  ['1.0~rc1^git1', '>', '1.0~rc1'],
  ['1.0^git1~pre', '<', '1.0^git1'],
  ['1:1.0', '>', '2.0'],
  ['0:1.0-1', '=', '1.0-1'],
  ['1.0-1', '<', '1.0-2'],
  ['1.0-1.el8', '<', '1.0-1.el9'],
  ['2.28-225.el8', '<', '2.28-225.el8_8.6'],
  ['1.0', '<', '1.0-1'],
  ['1.01', '=', '1.1'],
];

describe('rpm', () => {
  it('validates EVR strings', () => {
    expect(rpm.valid('1:2.28-225.el8_8.6')).toBe(true);
    expect(rpm.valid('1.0^git1')).toBe(true);
    expect(rpm.valid('x:1.0')).toBe(false);
    expect(rpm.valid('1.0-')).toBe(false);
    expect(rpm.valid('1.0 2')).toBe(false);
    expect(rpm.valid('')).toBe(false);
  });
  it('orders unparseable versions after valid ones, then as strings', () => {
    expect(rpm.compare('x:1.0', '1.0')).toBe(1);
    expect(rpm.compare('x:1.0', 'y:1.0')).toBe(-1);
  });
});

describeOrderingTable(rpm, TABLE);

const part = fc.oneof(fc.constantFrom('0', '1', '01', 'a', 'b', 'rc1', 'git', 'el8', ''), fc.nat(20).map(String));
const rpmVersion = fc
  .tuple(fc.constantFrom('', '0:', '1:'), joined(part, ['.', '~', '^', '_', '+', '']), fc.constantFrom('', '-1', '-1.el8', '-2.el8_8', '-0.1'))
  .map(([e, v, r]) => `${e}1${v}${r}`);
describeOrderingProperties(rpm, rpmVersion);

// Optional cross-check against rpm's own comparison (rpm.ver in rpm's embedded Lua, rpm >= 4.17).
const rpmBin = findTool('rpm');
function rpmCompareAll(pairs: readonly (readonly [string, string])[]): number[] {
  const q = (s: string) => `"${s.replace(/[\\"]/g, '\\$&')}"`;
  const list = pairs.map(([a, b]) => `{${q(a)},${q(b)}}`).join(',');
  const body = `local r={} for _,p in ipairs({${list}}) do local x=rpm.ver(p[1]); local y=rpm.ver(p[2]); r[#r+1]=(x<y) and -1 or ((x==y) and 0 or 1) end print(table.concat(r," "))`;
  const out = execFileSync(rpmBin as string, ['--eval', `%{lua: ${body}}`], { encoding: 'utf8' });
  return out.trim().split(/\s+/).map(Number);
}
describe.skipIf(rpmBin === undefined)('rpm agrees with rpm.ver() from rpm itself (needs rpm >= 4.17)', () => {
  it('matches rpm on the table and on generated pairs', () => {
    const pairs: [string, string][] = TABLE.map(([a, , b]) => [a, b]);
    fc.sample(fc.tuple(rpmVersion, rpmVersion), { numRuns: 200, seed: 7 }).forEach((p) => pairs.push(p));
    const want = rpmCompareAll(pairs);
    expect(want).toHaveLength(pairs.length);
    pairs.forEach(([a, b], i) => expect(rpm.compare(a, b), `${a} vs ${b}`).toBe(want[i]));
  });
});
