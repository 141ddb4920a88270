import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expectation } from './_testkit/ordering.js';
import { describeOrderingProperties, describeOrderingTable } from './_testkit/ordering.js';
import { nuget } from './nuget.js';

// NuGet package versioning docs: normalization and SemVer 2.0 precedence with a 4th part.
const TABLE: Expectation[] = [
  ['1.0.0-Alpha', '=', '1.0.0-alpha'],
  ['1.0.0.1', '>', '1.0.0'],
  ['1.0.0.0', '=', '1.0.0'],
  ['1.0', '=', '1.0.0'],
  ['1', '=', '1.0.0.0'],
  ['1.01.1', '=', '1.1.1'],
  ['01.0.0', '=', '1.0.0'],
  ['1.0.0+metadata', '=', '1.0.0'],
  ['1.0.0-beta+a', '=', '1.0.0-BETA+b'],
  ['1.0.0-alpha', '<', '1.0.0-beta'],
  ['1.0.0-beta', '<', '1.0.0-rc.1'],
  ['1.0.0-rc.1', '<', '1.0.0'],
  ['1.0.0-beta.2', '<', '1.0.0-beta.11'],
  ['1.0.0-beta2', '>', '1.0.0-beta11'],
  ['1.0.0-1', '<', '1.0.0-a'],
  ['1.0.0-alpha', '<', '1.0.0-alpha.1'],
  ['1.0.0.1-beta', '>', '1.0.0'],
  ['1.0.0.1-beta', '<', '1.0.0.1'],
  ['1.0.0.10', '>', '1.0.0.9'],
  ['2.0', '>', '1.9.9.9'],
  ['13.0.1', '<', '13.0.3'],
  ['4.7.2', '<', '4.10.0'],
  ['6.0.0-preview.7.21377.19', '<', '6.0.0-rc.1.21451.13'],
  ['6.0.0-rc.1.21451.13', '<', '6.0.0'],
  ['1.0.0-ALPHA.1', '=', '1.0.0-alpha.1'],
];

describe('nuget', () => {
  it('validates NuGet versions', () => {
    for (const v of ['1', '1.0', '1.0.0', '1.0.0.0', '1.0.0-beta', '1.0.0.1-rc.1+sha.abc', '01.002.3']) expect(nuget.valid(v), v).toBe(true);
    for (const v of ['', 'v1.0.0', '1.0.0.0.0', '1.0.0-', '1.0.0-a..b', 'a.b.c', '1.0.0+']) expect(nuget.valid(v), v).toBe(false);
  });
  it('orders unparseable versions after valid ones, then as strings', () => {
    expect(nuget.compare('v1.0.0', '99.0')).toBe(1);
    expect(nuget.compare('v1.0.0', 'v2.0.0')).toBe(-1);
  });
});

describeOrderingTable(nuget, TABLE);

const n = fc.oneof(fc.constantFrom('0', '1', '01', '10'), fc.nat(20).map(String));
const pre = fc.array(fc.oneof(n, fc.constantFrom('alpha', 'Alpha', 'BETA', 'beta', 'rc')), { maxLength: 3 });
const nugetVersion = fc
  .tuple(fc.array(n, { minLength: 1, maxLength: 4 }), pre, fc.constantFrom('', '+meta', '+M.1'))
  .map(([nums, p, m]) => `${nums.join('.')}${p.length > 0 ? `-${p.join('.')}` : ''}${m}`);
describeOrderingProperties(nuget, nugetVersion);
