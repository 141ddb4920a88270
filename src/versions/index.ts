/**
 * Public surface of `crowsnest/versions`: every supported version scheme by name, `compare`,
 * `isValid`, and the mapping from OSV ecosystem names ("Debian:12", "PyPI") to schemes that the
 * vulnerability matcher uses. The scheme list is explicit; nothing registers itself.
 */
import { alpm } from './alpm.js';
import { apk } from './apk.js';
import { cargo } from './cargo.js';
import { composer } from './composer.js';
import { deb } from './deb.js';
import { gem } from './gem.js';
import { golang } from './golang.js';
import { maven } from './maven.js';
import { npm } from './npm.js';
import { nuget } from './nuget.js';
import { pep440 } from './pep440.js';
import { rpm } from './rpm.js';
import type { Ordering, VersionScheme } from './scheme.js';
import { semver } from './semver.js';

export type { Ordering, VersionScheme } from './scheme.js';

export type SchemeName =
  | 'deb'
  | 'apk'
  | 'rpm'
  | 'alpm'
  | 'pypi'
  | 'npm'
  | 'maven'
  | 'gem'
  | 'golang'
  | 'nuget'
  | 'composer'
  | 'cargo'
  | 'semver';

export const SCHEMES: Readonly<Record<SchemeName, VersionScheme>> = Object.freeze({
  deb,
  apk,
  rpm,
  alpm,
  pypi: pep440,
  npm,
  maven,
  gem,
  golang,
  nuget,
  composer,
  cargo,
  semver,
});

export const SCHEME_NAMES: readonly SchemeName[] = Object.freeze(Object.keys(SCHEMES) as SchemeName[]);

export function isSchemeName(name: string): name is SchemeName {
  return Object.prototype.hasOwnProperty.call(SCHEMES, name);
}

/** The scheme object for `scheme`; throws TypeError for a name that is not a supported scheme. */
export function schemeFor(scheme: string): VersionScheme {
  if (!isSchemeName(scheme)) {
    throw new TypeError(`unknown version scheme "${scheme}" (supported: ${SCHEME_NAMES.join(', ')})`);
  }
  return SCHEMES[scheme];
}

/**
 * Orders two versions of one ecosystem: -1 if a < b, 0 if equal, 1 if a > b. Never throws for
 * odd versions: anything the scheme cannot parse sorts after every valid version, and two such
 * versions compare as plain strings. Throws TypeError only for an unknown scheme name.
 */
export function compare(scheme: SchemeName | string, a: string, b: string): Ordering {
  return schemeFor(scheme).compare(a, b);
}

export function isValid(scheme: SchemeName | string, v: string): boolean {
  return schemeFor(scheme).valid(v);
}

/**
 * OSV ecosystem names (https://ossf.github.io/osv-schema/#defined-ecosystems) we can order, mapped
 * to their schemes. GitHub Actions tags are SemVer-like with an optional `v`, which the Go rules
 * cover; "Hex" (Elixir) uses SemVer 2.0.
 */
export const ECOSYSTEM_SCHEMES: Readonly<Record<string, SchemeName>> = Object.freeze({
  Debian: 'deb',
  Ubuntu: 'deb',
  Alpine: 'apk',
  Wolfi: 'apk',
  Chainguard: 'apk',
  Alpaquita: 'apk',
  'BellSoft Hardened Containers': 'apk',
  'Red Hat': 'rpm',
  'Rocky Linux': 'rpm',
  AlmaLinux: 'rpm',
  openSUSE: 'rpm',
  SUSE: 'rpm',
  'Amazon Linux': 'rpm',
  Mageia: 'rpm',
  openEuler: 'rpm',
  'Arch Linux': 'alpm',
  PyPI: 'pypi',
  npm: 'npm',
  Maven: 'maven',
  RubyGems: 'gem',
  Go: 'golang',
  NuGet: 'nuget',
  Packagist: 'composer',
  'crates.io': 'cargo',
  Hex: 'semver',
  'GitHub Actions': 'golang',
});

/**
 * Scheme for an OSV ecosystem string, ignoring its `:release` suffix ("Debian:12" → deb,
 * "Alpine:v3.19" → apk); undefined when the ecosystem has no scheme here.
 */
export function schemeForEcosystem(ecosystem: string): SchemeName | undefined {
  const colon = ecosystem.indexOf(':');
  const base = (colon === -1 ? ecosystem : ecosystem.slice(0, colon)).trim();
  return Object.prototype.hasOwnProperty.call(ECOSYSTEM_SCHEMES, base) ? ECOSYSTEM_SCHEMES[base] : undefined;
}
