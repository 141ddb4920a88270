import fc from 'fast-check';
import * as semverPkg from 'semver';
import { describe, expect, it } from 'vitest';
import type { Expectation } from './_testkit/ordering.js';
import { describeOrderingProperties, describeOrderingTable } from './_testkit/ordering.js';
import { cargo } from './cargo.js';
import { semver } from './semver.js';

// SemVer 2.0.0 §11 examples and strictness cases.
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
  ['1.0.0-alpha+001', '=', '1.0.0-alpha'],
  ['1.0.0+20130313144700', '=', '1.0.0'],
  ['1.0.0-beta+exp.sha.5114f85', '<', '1.0.0'],
  ['1.0.0+21AF26D3----117B344092BD', '=', '1.0.0'],
  ['1.0.0-x-y-z.--', '>', '1.0.0-x-y-z'],
  ['1.0.0-Alpha', '<', '1.0.0-alpha'],
  ['1.0.0-1', '<', '1.0.0-a'],
  ['1.0.0-9', '<', '1.0.0-10'],
  ['1.0.0-a9', '>', '1.0.0-a10'],
  ['0.0.0', '<', '0.0.1-0'],
  ['99999999999999999999.0.0', '>', '99999999999999999998.0.0'],
  ['1.2.3-0', '<', '1.2.3-0.0'],
  ['10.20.30', '>', '10.20.3'],
  ['1.1.2-prerelease+meta', '>', '1.1.1'],
  ['2.0.0-rc.1+build.123', '<', '2.0.0'],
  // Not SemVer: sorted after every valid version.
  ['v1.0.0', '>', '99.0.0'],
  ['01.0.0', '>', '1.0.0'],
];

describe('semver and cargo', () => {
  it('validate strict SemVer 2.0.0', () => {
    for (const v of ['0.0.4', '1.2.3', '10.20.30', '1.1.2-prerelease+meta', '1.0.0-alpha.beta.1', '1.0.0-rc.1+build.1', '1.0.0+0.build.1-rc.10000aaa-kk-0.1', '1.0.0-0A.is.legal']) {
      expect(semver.valid(v), v).toBe(true);
      expect(cargo.valid(v), v).toBe(true);
    }
    for (const v of ['1', '1.2', '1.2.3-0123', '1.2.3-0123.0123', '1.1.2+.123', '+invalid', '-invalid', 'alpha', '1.2.3.DEV', '1.2-SNAPSHOT', '01.1.1', '1.01.1', 'v1.2.3', '1.2.3-', '1.2.3+', '1.2.3-a..b']) {
      expect(semver.valid(v), v).toBe(false);
      expect(cargo.valid(v), v).toBe(false);
    }
  });
  it('orders unparseable versions after valid ones, then as strings', () => {
    expect(cargo.compare('1.2', '9.9.9')).toBe(1);
    expect(cargo.compare('1.2', '1.3')).toBe(-1);
  });
});

describeOrderingTable(semver, TABLE);
describeOrderingTable(cargo, TABLE);

const n = fc.oneof(fc.constantFrom('0', '1', '2', '10'), fc.nat(20).map(String));
const pre = fc.array(fc.oneof(n, fc.constantFrom('alpha', 'beta', 'rc', 'Alpha', 'x-y', 'a1')), { maxLength: 3 });
const strict = fc
  .tuple(n, n, n, pre, fc.constantFrom('', '+build', '+b.1'))
  .map(([a, b, c, p, m]) => `${a}.${b}.${c}${p.length > 0 ? `-${p.join('.')}` : ''}${m}`);
describeOrderingProperties(semver, strict);
describeOrderingProperties(cargo, strict);

describe('semver agrees with the semver package on strict versions', () => {
  it('matches semver.compare', () => {
    fc.assert(
      fc.property(strict, strict, (a, b) => {
        expect(semver.compare(a, b)).toBe(semverPkg.compare(a, b));
      }),
      { numRuns: 500 },
    );
  });
});
