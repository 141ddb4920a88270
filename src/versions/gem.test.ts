import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expectation } from './_testkit/ordering.js';
import { describeOrderingProperties, describeOrderingTable, joined } from './_testkit/ordering.js';
import { findTool } from '../../test/helpers/tools.js';
import { gem } from './gem.js';

// Gem::Version documentation ("prerelease", "<=>") and RubyGems' test_gem_version cases.
const TABLE: Expectation[] = [
  ['1.0.a', '<', '1.0'],
  ['1.0.a', '<', '1.0.b'],
  ['1.0.a9', '<', '1.0.a10'],
  ['1.0.b1', '>', '1.0.a2'],
  ['1.0', '=', '1'],
  ['1.0.0', '=', '1'],
  ['1.1', '>', '1.0'],
  ['1.0.0.1', '>', '1.0'],
  ['1.8.2.a', '<', '1.8.2'],
  ['1.8.2.b', '>', '1.8.2.a'],
  ['1.0.rc1', '=', '1.0.rc.1'],
  ['2.0.0.pre', '<', '2.0.0'],
  ['1.0-1', '=', '1.0.pre.1'],
  ['1.0.a', '=', '1.0.0.a'],
  ['1.0.a.0', '=', '1.0.a'],
  ['0.9', '<', '1.0.a'],
  ['1.0.A', '<', '1.0.a'],
  ['1.0.alpha', '<', '1.0.beta'],
  ['1.0.rc1', '>', '1.0.beta2'],
  ['1.0.pre', '<', '1.0.rc'],
  ['3.2.22.5', '>', '3.2.22'],
  ['', '=', '0'],
  ['1.2.3a', '<', '1.2.3'],
  ['1.2.3a', '=', '1.2.3.a'],
  ['1.10', '>', '1.9'],
  ['1.0.a1', '<', '1.0.a.2'],
  ['7.0.8.1', '<', '7.0.8.4'],
  ['6.1.7.6', '<', '7.0.0'],
  [' 1.0 ', '=', '1.0'],
];

describe('gem', () => {
  it('validates like Gem::Version.correct?', () => {
    for (const v of ['1', '1.0', '1.0.a', '1.2.3a', '1.0-1', '1.0-rc-1.x', '', ' 1.0 ']) expect(gem.valid(v), JSON.stringify(v)).toBe(true);
    for (const v of ['a', '1..0', '1.0.', '1.0-', '1.0 1', 'junk', '1.0_1', '-1']) expect(gem.valid(v), v).toBe(false);
  });
  it('orders unparseable versions after valid ones, then as strings', () => {
    expect(gem.compare('junk', '99')).toBe(1);
    expect(gem.compare('1..0', 'junk')).toBe(-1);
  });
});

describeOrderingTable(gem, TABLE);

const seg = fc.oneof(fc.constantFrom('0', '1', '2', '10', 'a', 'b', 'pre', 'rc1', 'A', '0a', 'a0'), fc.nat(12).map(String));
const gemVersion = fc
  .tuple(joined(seg, ['.'], 4), fc.constantFrom('', '-1', '-rc', '-rc.1'))
  .map(([v, p]) => `1.${v}${p}`);
describeOrderingProperties(gem, gemVersion);

// Optional cross-check against RubyGems itself.
const ruby = findTool('ruby');
describe.skipIf(ruby === undefined)('gem agrees with Gem::Version (needs ruby)', () => {
  it('matches Gem::Version#<=> and Gem::Version.correct? on the table and generated versions', () => {
    const pairs: [string, string][] = TABLE.map(([a, , b]) => [a, b]);
    fc.sample(fc.tuple(gemVersion, gemVersion), { numRuns: 400, seed: 21 }).forEach((p) => pairs.push(p));
    const script = 'require "json"; pairs = JSON.parse(STDIN.read); puts JSON.generate(pairs.map { |a, b| Gem::Version.new(a) <=> Gem::Version.new(b) })';
    const want = JSON.parse(execFileSync(ruby as string, ['-e', script], { input: JSON.stringify(pairs), encoding: 'utf8' })) as number[];
    pairs.forEach(([a, b], i) => expect(gem.compare(a, b), `${a} vs ${b}`).toBe(want[i]));

    const samples = [...fc.sample(gemVersion, { numRuns: 50, seed: 22 }), ...fc.sample(fc.string({ maxLength: 6 }), { numRuns: 150, seed: 22 })];
    const vscript = 'require "json"; puts JSON.generate(JSON.parse(STDIN.read).map { |v| Gem::Version.correct?(v) ? true : false })';
    const valid = JSON.parse(execFileSync(ruby as string, ['-e', vscript], { input: JSON.stringify(samples), encoding: 'utf8' })) as boolean[];
    samples.forEach((v, i) => expect(gem.valid(v), JSON.stringify(v)).toBe(valid[i]));
  });
});
