import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expectation } from './_testkit/ordering.js';
import { describeOrderingProperties, describeOrderingTable, joined } from './_testkit/ordering.js';
import { apk } from './apk.js';

const TABLE: Expectation[] = [
  ['1.2_rc1', '<', '1.2'],
  ['1.2', '<', '1.2_p1'],
  ['1.2-r0', '<', '1.2-r10'],
  ['1.2-r9', '<', '1.2-r10'],
  ['1.2', '<', '1.2-r0'],
  ['1.2_alpha', '<', '1.2_beta'],
  ['1.2_beta', '<', '1.2_pre'],
  ['1.2_pre', '<', '1.2_rc'],
  ['1.2_rc', '<', '1.2'],
  ['1.2_cvs', '<', '1.2_svn'],
  ['1.2_svn', '<', '1.2_git'],
  ['1.2_git', '<', '1.2_hg'],
  ['1.2_hg', '<', '1.2_p'],
  ['1.2', '<', '1.2_cvs'],
  ['1.2_rc1', '<', '1.2_rc2'],
  ['1.2_rc2', '<', '1.2_rc10'],
  ['1.2_rc', '<', '1.2_rc1'],
  ['0.1.0_alpha', '<', '0.1.3_alpha'],
  ['0.1.0_alpha2', '>', '0.1.0_alpha'],
  ['2.34', '>', '0.1.0_alpha'],
  ['1.0', '<', '1.0.1'],
  ['1.2a', '>', '1.2'],
  ['1.2a', '<', '1.2b'],
  ['1.2a', '<', '1.2.1'],
  ['1.2_p1', '>', '1.2-r5'],
  ['1.2.1', '>', '1.2_p1'],
  ['1.2a', '>', '1.2_p1'],
  ['1.01', '<', '1.1'],
  ['1.001', '<', '1.01'],
  ['1.10', '>', '1.9'],
  ['01.2', '=', '1.2'],
  ['3.0.15-r0', '<', '3.1.4-r0'],
  ['1.36.1-r15', '<', '1.36.1-r29'],
  ['1.2_alpha1_p2', '>', '1.2_alpha1'],
  ['1.2_alpha1_p2', '<', '1.2_alpha2'],
  ['1.0~abc123-r0', '>', '1.0-r5'],
  ['20230101', '<', '20230102'],
  ['1.2.07.8', '<', '1.2.12.04'],
  ['4.01', '<', '4.20'],
  ['0.1.0_alpha_pre2', '<', '0.1.0_alpha'],
  ['2.5.1-r8', '<', '2.5.1a-r1'],
  ['2.12r-r4', '<', '2.12r-r5'],
  ['1.0.0_pre20191002222144-r0', '<', '1.0.0_pre20210530193627-r0'],
];

describe('apk', () => {
  it('validates like apk-tools', () => {
    for (const v of ['1.2', '1.2.3a', '1.2_rc1', '1.2_p1-r3', '1.0_alpha1_p2', '1.0~a1b2c3-r0', '2023.01.01-r1']) expect(apk.valid(v), v).toBe(true);
    for (const v of ['', 'a1.2', '1.2_foo', '1.2-1', '1.2-r', '1..2', '1.2A', '1.2_rc1a', '1.2 ']) expect(apk.valid(v), v).toBe(false);
  });
  it('orders unparseable versions after valid ones, then as strings', () => {
    expect(apk.compare('1.2_foo', '99.0')).toBe(1);
    expect(apk.compare('99.0', 'abc')).toBe(-1);
    expect(apk.compare('abc', 'abd')).toBe(-1);
  });
});

describeOrderingTable(apk, TABLE);

const num = fc.oneof(fc.constantFrom('0', '1', '01', '001', '10'), fc.nat(30).map(String));
const apkVersion = fc
  .tuple(
    joined(num, ['.'], 4),
    fc.constantFrom('', 'a', 'b', 'z'),
    fc.array(fc.tuple(fc.constantFrom('alpha', 'beta', 'pre', 'rc', 'cvs', 'svn', 'git', 'hg', 'p'), fc.constantFrom('', '1', '2', '10')), { maxLength: 2 }),
    fc.constantFrom('', '~abc', '~abd'),
    fc.constantFrom('', '-r0', '-r1', '-r10'),
  )
  .map(([n, l, sufs, h, r]) => n + l + sufs.map(([s, k]) => `_${s}${k}`).join('') + h + r);
describeOrderingProperties(apk, apkVersion);
