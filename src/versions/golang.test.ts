import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expectation } from './_testkit/ordering.js';
import { describeOrderingProperties, describeOrderingTable } from './_testkit/ordering.js';
import { golang } from './golang.js';

// golang.org/x/mod/semver semantics and Go module reference examples.
const TABLE: Expectation[] = [
  ['v0.0.0-20200101000000-abcdef123456', '<', 'v0.1.0'],
  ['v0.0.0-20200101000000-abcdef123456', '<', 'v0.0.0-20200102000000-abcdef123456'],
  ['v1.2.3', '<', 'v1.2.4-0.20200101000000-abcdef123456'],
  ['v1.2.4-0.20200101000000-abcdef123456', '<', 'v1.2.4'],
  ['v1.2.4-pre.0.20200101000000-abcdef123456', '>', 'v1.2.4-pre'],
  ['v1.2.4-pre.0.20200101000000-abcdef123456', '<', 'v1.2.4'],
  ['v2.0.0+incompatible', '=', 'v2.0.0'],
  ['v2.0.0+incompatible', '>', 'v1.9.9'],
  ['v1', '=', 'v1.0.0'],
  ['v1.2', '=', 'v1.2.0'],
  ['v1.2', '<', 'v1.2.1'],
  ['1.2.3', '=', 'v1.2.3'],
  ['v1.0.0-alpha', '<', 'v1.0.0-alpha.1'],
  ['v1.0.0-alpha.1', '<', 'v1.0.0-alpha.beta'],
  ['v1.0.0-beta.2', '<', 'v1.0.0-beta.11'],
  ['v1.0.0-rc.1', '<', 'v1.0.0'],
  ['v1.0.0+meta', '=', 'v1.0.0'],
  ['v0.9.0', '<', 'v0.10.0'],
  ['v1.21.0', '>', 'v1.20.99'],
  ['v0.0.0', '<', 'v0.0.1'],
  ['v1.0.0-0', '<', 'v1.0.0-1'],
  ['v1.0.0-9', '<', 'v1.0.0-10'],
  ['v1.0.0-9', '<', 'v1.0.0-a'],
  ['v0.17.0', '<', 'v0.23.0'],
  ['0', '<', 'v0.0.1'],
  // Invalid in Go: after every valid version.
  ['v1.2-pre', '>', 'v99.0.0'],
  ['v01.2.3', '>', 'v99.0.0'],
];

describe('golang', () => {
  it('validates Go module versions (v optional, as in OSV)', () => {
    for (const v of ['v1.2.3', 'v1', 'v1.2', '1.2.3', 'v0.0.0-20200101000000-abcdef123456', 'v2.0.0+incompatible']) expect(golang.valid(v), v).toBe(true);
    for (const v of ['', 'v', 'v1.2-pre', 'v1.2.3.4', 'v01.2.3', 'V1.2.3', 'latest', 'v1.2.3-01']) expect(golang.valid(v), v).toBe(false);
  });
  it('orders unparseable versions after valid ones, then as strings', () => {
    expect(golang.compare('latest', 'v1.0.0')).toBe(1);
    expect(golang.compare('latest', 'master')).toBe(-1);
  });
});

describeOrderingTable(golang, TABLE);

const n = fc.oneof(fc.constantFrom('0', '1', '2', '10'), fc.nat(20).map(String));
const pseudo = fc.constantFrom('0.20200101000000-abcdef123456', '0.20210101000000-abcdef123456', '20200101000000-abcdef123456');
const pre = fc.array(fc.oneof(n, pseudo, fc.constantFrom('alpha', 'beta', 'rc', 'pre')), { maxLength: 2 });
const goVersion = fc
  .tuple(fc.constantFrom('v', ''), n, n, n, pre, fc.constantFrom('', '+incompatible'), fc.constantFrom(3, 3, 2, 1))
  .map(([v, a, b, c, p, m, parts]) =>
    parts === 3 ? `${v}${a}.${b}.${c}${p.length > 0 ? `-${p.join('.')}` : ''}${m}` : parts === 2 ? `${v}${a}.${b}` : `${v}${a}`,
  );
describeOrderingProperties(golang, goVersion);
