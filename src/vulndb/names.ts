/**
 * Package-name normalization per OSV ecosystem, applied both when advisories are stored and when
 * packages are looked up, so "Django" (PyPI) and "django" meet. Case-sensitive ecosystems (npm, Go,
 * crates.io, RubyGems, Maven) are left alone on purpose: their registries treat case as significant.
 */
import type { PackageType } from '../model/package.js';

/** Ecosystem name without the ":release" suffix ("Debian:12" → "Debian"). */
export function baseEcosystem(ecosystem: string): string {
  const i = ecosystem.indexOf(':');
  return i < 0 ? ecosystem : ecosystem.slice(0, i);
}

/**
 * One spelling per release: OSV suffixes Ubuntu LTS releases ("Ubuntu:22.04:LTS") while os-release
 * detection yields "Ubuntu:22.04"; both are stored and looked up without the suffix. "Ubuntu:Pro:…"
 * stays distinct (those fixes need an Ubuntu Pro subscription).
 */
export function normalizeEcosystem(ecosystem: string): string {
  return ecosystem.startsWith('Ubuntu:') ? ecosystem.replace(/:LTS$/, '') : ecosystem;
}

export function normalizePackageName(ecosystem: string, name: string): string {
  switch (baseEcosystem(ecosystem)) {
    case 'PyPI':
      // PEP 503: runs of -, _ and . are equivalent and names are case-insensitive.
      return name.toLowerCase().replace(/[-_.]+/g, '-');
    case 'NuGet':
    case 'Packagist':
      return name.toLowerCase();
    default:
      return name;
  }
}

const LANGUAGE_ECOSYSTEMS: Partial<Record<PackageType, string>> = {
  npm: 'npm',
  pypi: 'PyPI',
  maven: 'Maven',
  golang: 'Go',
  composer: 'Packagist',
  gem: 'RubyGems',
  nuget: 'NuGet',
  cargo: 'crates.io',
  github: 'GitHub Actions',
};

/** OSV ecosystem of a language package type; undefined for distro types (they take the release's). */
export function ecosystemForType(type: PackageType): string | undefined {
  return LANGUAGE_ECOSYSTEMS[type];
}

export function isDistroType(type: PackageType): boolean {
  return type === 'deb' || type === 'apk' || type === 'rpm' || type === 'alpm';
}

/** Distro ecosystems whose native feeds (Debian tracker, Alpine secdb) we prefer over re-published OSV copies. */
export function isDistroEcosystem(ecosystem: string): boolean {
  return /^(Debian|Ubuntu|Alpine|Rocky Linux|AlmaLinux|Red Hat|SUSE|openSUSE|Wolfi|Chainguard|Mageia|Photon OS|Azure Linux|CBL-Mariner)(:|$)/.test(
    ecosystem,
  );
}
