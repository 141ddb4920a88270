/**
 * The package model shared by catalogers, the SBOM store, exporters and matchers.
 * Parsers fill name/version/type/purl/licenses/source and the file path; the analysis engine
 * adds the layer that introduced each location.
 */
import type { Digest } from '../core/digest.js';

/** purl types (https://github.com/package-url/purl-spec) Crowsnest catalogs. */
export type PackageType =
  | 'deb'
  | 'apk'
  | 'rpm'
  | 'alpm'
  | 'npm'
  | 'pypi'
  | 'maven'
  | 'golang'
  | 'composer'
  | 'gem'
  | 'nuget'
  | 'cargo'
  | 'github';

export interface PackageLocation {
  /** Absolute posix path inside the image, e.g. "/var/lib/dpkg/status". */
  readonly path: string;
  /** The layer that last wrote the evidence file; set by the engine. */
  readonly layerDigest?: Digest;
  readonly layerIndex?: number;
  /** The image config history's `created_by` for that layer (the Dockerfile step). */
  readonly createdBy?: string;
}

export interface PackageSource {
  /** Distro source package (deb Source, apk origin, rpm source rpm name). Distro advisories key on this. */
  readonly name: string;
  readonly version?: string;
}

export interface Package {
  readonly name: string;
  readonly version: string;
  readonly type: PackageType;
  readonly purl: string;
  /** OSV ecosystem the package is matched in, e.g. "Debian:12", "Alpine:v3.20", "npm", "PyPI". */
  readonly ecosystem?: string;
  readonly source?: PackageSource;
  readonly licenses: readonly string[];
  readonly locations: readonly PackageLocation[];
  /** Name of the cataloger that produced it. */
  readonly foundBy: string;
  /** Free-form, cataloger-specific facts (arch, epoch, dev-only, confidence, …). */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** Key under which "which images contain package X of ecosystem E" is indexed. */
export interface PackageKey {
  readonly ecosystem: string;
  readonly name: string;
}

export function packageKeyString(key: PackageKey): string {
  return `${key.ecosystem}\u0000${key.name}`;
}
