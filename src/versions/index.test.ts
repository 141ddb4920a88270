import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';
import { compare, ECOSYSTEM_SCHEMES, isValid, SCHEME_NAMES, schemeFor, schemeForEcosystem } from './index.js';

// One known ordering per scheme: [older, newer] in that ecosystem.
const SAMPLES: Record<api.SchemeName, readonly [string, string]> = {
  deb: ['1.0~rc1-1', '1.0-1'],
  apk: ['1.2_rc1-r0', '1.2-r0'],
  rpm: ['1.0~rc1-1.el9', '1.0-1.el9'],
  alpm: ['1.0rc-1', '1.0-1'],
  pypi: ['1.0a1', '1.0'],
  npm: ['1.0.0-beta.2', '1.0.0'],
  maven: ['1.0-SNAPSHOT', '1.0'],
  gem: ['1.0.a', '1.0'],
  golang: ['v0.0.0-20200101000000-abcdef123456', 'v0.1.0'],
  nuget: ['1.0.0-alpha', '1.0.0'],
  composer: ['1.0.0-RC1', '1.0.0'],
  cargo: ['1.0.0-rc.1', '1.0.0'],
  semver: ['1.0.0-rc.1', '1.0.0'],
};

describe('crowsnest/versions public API', () => {
  it('lists exactly the 13 schemes of the contract', () => {
    expect([...SCHEME_NAMES].sort()).toEqual(
      ['deb', 'apk', 'rpm', 'alpm', 'pypi', 'npm', 'maven', 'gem', 'golang', 'nuget', 'composer', 'cargo', 'semver'].sort(),
    );
    expect(Object.keys(api).sort()).toEqual(
      ['ECOSYSTEM_SCHEMES', 'SCHEMES', 'SCHEME_NAMES', 'compare', 'isSchemeName', 'isValid', 'schemeFor', 'schemeForEcosystem'].sort(),
    );
  });

  it.each(SCHEME_NAMES.map((n) => [n]))('compare(%s, a, b) returns -1 | 0 | 1', (name) => {
    const [older, newer] = SAMPLES[name];
    expect(compare(name, older, newer)).toBe(-1);
    expect(compare(name, newer, older)).toBe(1);
    expect(compare(name, newer, newer)).toBe(0);
    expect(isValid(name, older)).toBe(true);
    expect(isValid(name, newer)).toBe(true);
    const scheme = schemeFor(name);
    expect(scheme.name).toBe(name);
    expect(typeof scheme.valid).toBe('function');
  });

  it('throws a TypeError naming the scheme for unknown schemes', () => {
    expect(() => compare('debian', '1', '2')).toThrow(TypeError);
    expect(() => compare('debian', '1', '2')).toThrow(/unknown version scheme "debian"/);
    expect(() => isValid('toString', '1')).toThrow(TypeError);
    expect(() => schemeFor('__proto__')).toThrow(TypeError);
  });

  it('maps OSV ecosystems to schemes, ignoring the release suffix', () => {
    expect(schemeForEcosystem('Debian:12')).toBe('deb');
    expect(schemeForEcosystem('Ubuntu:22.04:LTS')).toBe('deb');
    expect(schemeForEcosystem('Alpine:v3.19')).toBe('apk');
    expect(schemeForEcosystem('Wolfi')).toBe('apk');
    expect(schemeForEcosystem('Red Hat:enterprise_linux:9::appstream')).toBe('rpm');
    expect(schemeForEcosystem('Rocky Linux:9')).toBe('rpm');
    expect(schemeForEcosystem('openSUSE:Tumbleweed')).toBe('rpm');
    expect(schemeForEcosystem('Arch Linux')).toBe('alpm');
    expect(schemeForEcosystem('PyPI')).toBe('pypi');
    expect(schemeForEcosystem('crates.io')).toBe('cargo');
    expect(schemeForEcosystem('Packagist')).toBe('composer');
    expect(schemeForEcosystem('Go')).toBe('golang');
    expect(schemeForEcosystem('Pub')).toBeUndefined();
    expect(schemeForEcosystem('constructor')).toBeUndefined();
    for (const scheme of Object.values(ECOSYSTEM_SCHEMES)) expect(SCHEME_NAMES).toContain(scheme);
  });

  it('is what package.json exports as crowsnest/versions', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
    };
    expect(pkg.exports['./versions']).toEqual({ types: './dist/versions/index.d.ts', default: './dist/versions/index.js' });
  });
});
