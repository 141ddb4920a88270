import { execFileSync, spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findTool } from '../../test/helpers/tools.js';
import type { Expectation } from './_testkit/ordering.js';
import { describeOrderingProperties, describeOrderingTable, joined } from './_testkit/ordering.js';
import { parsePep440, pep440 } from './pep440.js';

// Examples from PEP 440 ("Summary of permitted suffixes and relative ordering", "Normalization").
const TABLE: Expectation[] = [
  ['1.0.dev1', '<', '1.0a1'],
  ['1.0a1', '<', '1.0b1'],
  ['1.0b1', '<', '1.0rc1'],
  ['1.0rc1', '<', '1.0'],
  ['1.0', '<', '1.0.post1'],
  ['1.0+local', '>', '1.0'],
  ['1.0.0a1', '=', '1.0a1'],
  ['1.0-1', '=', '1.0.post1'],
  ['1.0A1', '=', '1.0a1'],
  ['1.0alpha1', '=', '1.0a1'],
  ['1.0-beta.2', '=', '1.0b2'],
  ['1.0c1', '=', '1.0rc1'],
  ['1.0pre1', '=', '1.0rc1'],
  ['1.0preview1', '=', '1.0rc1'],
  ['1.0a', '=', '1.0a0'],
  ['1.0.rev1', '=', '1.0.post1'],
  ['1.0r', '=', '1.0.post0'],
  ['1.0-dev', '=', '1.0.dev0'],
  ['v1.0', '=', '1.0'],
  [' 1.0 ', '=', '1.0'],
  ['1!1.0', '>', '2.0'],
  ['0!1.0', '=', '1.0'],
  ['1.0a1.dev1', '<', '1.0a1'],
  ['1.0a1', '<', '1.0a1.post1.dev1'],
  ['1.0a1.post1.dev1', '<', '1.0a1.post1'],
  ['1.0.post1.dev1', '<', '1.0.post1'],
  ['1.0.post1.dev1', '>', '1.0'],
  ['1.0.dev1', '<', '1.0.dev2'],
  ['1.0+abc', '<', '1.0+abd'],
  ['1.0+abc', '<', '1.0+1'],
  ['1.0+1', '<', '1.0+1.0'],
  ['1.0+ubuntu-1', '=', '1.0+ubuntu.1'],
  ['1.0+02', '=', '1.0+2'],
  ['1.10', '>', '1.9'],
  ['2.0.0', '=', '2'],
  ['1.0.dev456', '<', '1.0a1'],
  ['1.1.dev1', '>', '1.0.post456'],
  ['00.01', '=', '0.1'],
];

describe('pep440', () => {
  it('normalizes while parsing', () => {
    expect(parsePep440('1.0-1')).toMatchObject({ post: '1', preKind: -1 });
    expect(parsePep440('1.0.0a1')).toMatchObject({ release: ['1'], preKind: 0, preNum: '1' });
    expect(parsePep440('1!2.0+Ubuntu.1')).toMatchObject({ epoch: '1', local: ['ubuntu', '1'] });
  });
  it('rejects what packaging rejects', () => {
    for (const v of ['', 'a1', '1.0.', '1.0+', '1.0+a..b', '1.0-', '1.0abc', '1.0 1', '1.0_x', 'french toast']) expect(pep440.valid(v), v).toBe(false);
  });
  it('orders unparseable versions after valid ones, then as strings', () => {
    expect(pep440.compare('french toast', '999')).toBe(1);
    expect(pep440.compare('dev', 'latest')).toBe(-1);
  });
});

describeOrderingTable(pep440, TABLE);

const pepVersion = fc
  .tuple(
    fc.constantFrom('', '1!', 'v'),
    joined(fc.constantFrom('0', '1', '2', '10', '00'), ['.'], 4),
    fc.constantFrom('', 'a', 'b1', 'rc2', '.alpha', '-beta.3', 'c1', 'pre'),
    fc.constantFrom('', '.post1', '-2', 'post', '.rev3'),
    fc.constantFrom('', '.dev', '.dev1', '-dev2'),
    fc.constantFrom('', '+1', '+abc', '+abc.2', '+1.abc', '+ABC'),
  )
  .map((xs) => xs.join(''));
describeOrderingProperties(pep440, pepVersion);

// Optional cross-check against the reference implementation (pypa/packaging).
const python = findTool('python3');
const hasPackaging = python !== undefined && spawnSync(python, ['-c', 'import packaging.version'], { stdio: 'ignore' }).status === 0;
describe.skipIf(!hasPackaging)('pep440 agrees with packaging.version (needs python3 + packaging)', () => {
  it('matches packaging on the table and on generated pairs', () => {
    const pairs: [string, string][] = TABLE.map(([a, , b]) => [a, b]);
    fc.sample(fc.tuple(pepVersion, pepVersion), { numRuns: 300, seed: 3 }).forEach((p) => pairs.push(p));
    const script = [
      'import json, sys',
      'from packaging.version import Version',
      'pairs = json.load(sys.stdin)',
      'print(json.dumps([(Version(a) > Version(b)) - (Version(a) < Version(b)) for a, b in pairs]))',
    ].join('\n');
    const want = JSON.parse(execFileSync(python as string, ['-c', script], { input: JSON.stringify(pairs), encoding: 'utf8' })) as number[];
    pairs.forEach(([a, b], i) => expect(pep440.compare(a, b), `${a} vs ${b}`).toBe(want[i]));
  });
  it('accepts exactly what packaging accepts on generated and malformed strings', () => {
    const samples = [...fc.sample(pepVersion, { numRuns: 100, seed: 5 }), ...fc.sample(fc.string({ maxLength: 8 }), { numRuns: 100, seed: 5 })];
    samples.push('1.0_x', '1.0abc', '1.0.', '1.0+', '1.0-', 'v', '1.0-1-1', '1.0.post', '1.0a1b2');
    const script = [
      'import json, sys',
      'from packaging.version import Version, InvalidVersion',
      'def ok(v):',
      '    try:',
      '        Version(v)',
      '        return True',
      '    except InvalidVersion:',
      '        return False',
      'print(json.dumps([ok(v) for v in json.load(sys.stdin)]))',
    ].join('\n');
    const want = JSON.parse(execFileSync(python as string, ['-c', script], { input: JSON.stringify(samples), encoding: 'utf8' })) as boolean[];
    samples.forEach((v, i) => expect(pep440.valid(v), JSON.stringify(v)).toBe(want[i]));
  });
});
