import { execFileSync, spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expectation } from './_testkit/ordering.js';
import { describeOrderingProperties, describeOrderingTable, joined } from './_testkit/ordering.js';
import { findTool } from '../../test/helpers/tools.js';
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
  it('keeps a total order where pacman cycles on versions starting with a separator', () => {
    // pacman: "10" > "!", "!" > ";A" and ";A" > "10".
    const sorted = ['!', ';A', '10'].sort((a, b) => alpm.compare(a, b));
    expect(sorted[0]).toBe('10');
    expect(alpm.compare(sorted[0] as string, sorted[2] as string)).toBe(-1);
  });
});

describeOrderingTable(alpm, TABLE);

const part = fc.oneof(fc.constantFrom('0', '1', '01', 'a', 'b', 'rc', ''), fc.nat(12).map(String));
const alpmVersion = fc
  .tuple(fc.constantFrom('', '1:'), joined(part, ['.', '_', '', '+', '..']), fc.constantFrom('', '-1', '-2', '-1.1'))
  .map(([e, v, r]) => `${e}1${v}${r}`);
describeOrderingProperties(alpm, alpmVersion);

// Optional cross-check against pacman's libalpm (alpm_pkg_vercmp through python ctypes), e.g. from
// Debian's pacman-package-manager package.
const python = findTool('python3');
const ALPM_SCRIPT = [
  'import ctypes, json, sys',
  "f = ctypes.CDLL('libalpm.so.13').alpm_pkg_vercmp",
  'f.restype = ctypes.c_int',
  'f.argtypes = [ctypes.c_char_p, ctypes.c_char_p]',
  'print(json.dumps([max(-1, min(1, f(a.encode(), b.encode()))) for a, b in json.load(sys.stdin)]))',
].join('\n');
const hasLibalpm =
  python !== undefined && spawnSync(python, ['-c', "import ctypes; ctypes.CDLL('libalpm.so.13')"], { stdio: 'ignore' }).status === 0;
describe.skipIf(!hasLibalpm)('alpm agrees with libalpm alpm_pkg_vercmp (needs python3 + libalpm.so.13)', () => {
  it('matches pacman wherever both sides carry a pkgrel (or neither does)', () => {
    const hasRel = (v: string) => v.includes('-');
    const pairs: [string, string][] = TABLE.filter(([a, , b]) => hasRel(a) === hasRel(b)).map(([a, , b]) => [a, b]);
    fc.sample(fc.tuple(alpmVersion, alpmVersion), { numRuns: 400, seed: 9 })
      .filter(([a, b]) => hasRel(a) === hasRel(b))
      .forEach((p) => pairs.push(p));
    const want = JSON.parse(execFileSync(python as string, ['-c', ALPM_SCRIPT], { input: JSON.stringify(pairs), encoding: 'utf8' })) as number[];
    pairs.forEach(([a, b], i) => expect(alpm.compare(a, b), `${a} vs ${b}`).toBe(want[i]));
  });
});
