import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expectation } from './_testkit/ordering.js';
import { describeOrderingProperties, describeOrderingTable } from './_testkit/ordering.js';
import { findTool } from '../../test/helpers/tools.js';
import { composer, normalizeComposer } from './composer.js';

// Composer's VersionParser normalization tests and documented stability order.
const TABLE: Expectation[] = [
  ['1.0.0-dev', '<', '1.0.0-alpha1'],
  ['1.0.0-alpha1', '<', '1.0.0'],
  ['1.0.0-alpha1', '<', '1.0.0-beta1'],
  ['1.0.0-beta1', '<', '1.0.0-RC1'],
  ['1.0.0-RC1', '<', '1.0.0'],
  ['1.0.0', '<', '1.0.0-patch1'],
  ['1.0.0-patch1', '<', '1.0.1'],
  ['v1.0.0', '=', '1.0.0'],
  ['1.0', '=', '1.0.0.0'],
  ['1.0.0-rc1', '=', '1.0.0-RC1'],
  ['1.0.0-a1', '=', '1.0.0-alpha1'],
  ['1.0.0-b2', '=', '1.0.0-beta2'],
  ['1.0.0-beta.2', '=', '1.0.0-beta2'],
  ['1.0.0-stable', '=', '1.0.0'],
  ['1.0.0-p1', '=', '1.0.0-pl1'],
  ['1.0.0-pl1', '=', '1.0.0-patch1'],
  ['1.0.0-beta2-dev', '<', '1.0.0-beta2'],
  ['1.0.0-beta2-dev', '>', '1.0.0-beta1'],
  ['2.0.0-dev', '>', '1.9.9'],
  ['1.0.0@beta', '=', '1.0.0'],
  ['1.0.0+build', '=', '1.0.0'],
  ['1.x-dev', '>', '1.99.0'],
  ['1.x-dev', '<', '2.0.0-dev'],
  ['dev-master', '>', '99.0.0'],
  ['dev-feature', '<', 'dev-master'],
  ['20230101', '<', '20230102'],
  ['2023.01.01', '<', '2023.01.02'],
  ['1.2.3.4', '>', '1.2.3'],
  ['10.0.0', '>', '9.0.0'],
  ['1.0.0-RC2', '<', '1.0.0-RC10'],
  ['5.4.0-BETA3', '=', '5.4.0-beta3'],
  ['1.0.0-alpha', '<', '1.0.0-alpha1'],
];

describe('composer', () => {
  it('normalizes like Composer VersionParser', () => {
    expect(normalizeComposer('1.0')).toBe('1.0.0.0');
    expect(normalizeComposer('v1.2.3-beta.2')).toBe('1.2.3.0-beta2');
    expect(normalizeComposer('1.0.0-RC1')).toBe('1.0.0.0-RC1');
    expect(normalizeComposer('1.0.0-pl3')).toBe('1.0.0.0-patch3');
    expect(normalizeComposer('1.0.0-beta2-dev')).toBe('1.0.0.0-beta2-dev');
    expect(normalizeComposer('2.x-dev')).toBe('2.9999999.9999999.9999999-dev');
    expect(normalizeComposer('master')).toBe('dev-master');
    expect(normalizeComposer('dev-feature/x')).toBe('dev-feature/x');
    expect(normalizeComposer('2010.10.11')).toBe('2010.10.11.0');
    expect(normalizeComposer('201010111234')).toBe('201010111234');
    expect(normalizeComposer('1.0.0-stable')).toBe('1.0.0.0');
  });
  it('rejects what Composer rejects', () => {
    for (const v of ['', 'foo', '1.0.0-gamma', '1.0.0-beta-gamma', 'dev-', '1.0.0 2']) expect(composer.valid(v), v).toBe(false);
  });
  it('orders unparseable versions after valid ones, then as strings', () => {
    expect(composer.compare('foo', 'dev-master')).toBe(1);
    expect(composer.compare('foo', 'goo')).toBe(-1);
  });
});

describeOrderingTable(composer, TABLE);

const n = fc.oneof(fc.constantFrom('0', '1', '2', '10'), fc.nat(20).map(String));
const composerVersion = fc
  .tuple(
    fc.constantFrom('', 'v'),
    fc.array(n, { minLength: 1, maxLength: 4 }),
    fc.constantFrom('', '-alpha', '-alpha1', '-a2', '-beta.1', '-RC1', '-rc2', '-p1', '-patch2', '-stable', '-dev'),
    fc.constantFrom('', '', '-dev'),
  )
  .map(([v, nums, s, d]) => `${v}${nums.join('.')}${s}${s === '-dev' ? '' : d}`);
describeOrderingProperties(composer, fc.oneof(composerVersion, fc.constantFrom('dev-master', 'dev-main', '1.x-dev', '2.1.x-dev')));

// Optional cross-check of the version_compare port against PHP itself, on normalized versions.
const php = findTool('php');
describe.skipIf(php === undefined)('composer agrees with PHP version_compare on normalized versions (needs php)', () => {
  it('matches version_compare(normalize(a), normalize(b))', () => {
    const pairs: [string, string][] = TABLE.map(([a, , b]) => [a, b]);
    fc.sample(fc.tuple(composerVersion, composerVersion), { numRuns: 400, seed: 31 }).forEach((p) => pairs.push(p));
    const normalized = pairs
      .map(([a, b]) => [normalizeComposer(a), normalizeComposer(b)] as const)
      .filter((p): p is readonly [string, string] => p[0] !== undefined && p[1] !== undefined && !p[0].startsWith('dev-') && !p[1].startsWith('dev-'));
    const script = '$p = json_decode(stream_get_contents(STDIN)); echo json_encode(array_map(fn($x) => version_compare($x[0], $x[1]), $p));';
    const want = JSON.parse(execFileSync(php as string, ['-r', script], { input: JSON.stringify(normalized), encoding: 'utf8' })) as number[];
    expect(want).toHaveLength(normalized.length);
    normalized.forEach(([a, b], i) => expect(composer.compare(a, b), `${a} vs ${b}`).toBe(want[i]));
  });
});
