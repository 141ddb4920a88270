/**
 * rpm cataloger: installed packages from the rpm database in any of its three backends (SQLite
 * `rpmdb.sqlite`, Berkeley DB `Packages`, NDB `Packages.db`), each yielding header blobs that one header
 * parser turns into packages with `[epoch:]version-release` versions and rpm purls.
 */
import type { CatalogContext, CatalogIssue, CatalogResult, Cataloger, FileEntryInfo } from '../../cataloger.js';
import type { Distro } from '../../../model/distro.js';
import type { Package } from '../../../model/package.js';
import { makePurl } from '../_lang-package.js';
import { readBdbHash, type RawBlobs } from './bdb.js';
import { RpmHeader, RpmTag } from './header.js';
import { readNdb } from './ndb.js';
import { readSqliteRpmdb } from './sqlite.js';

const NAME = 'rpm-db';
/** Files recorded per package in metadata; a real package rarely owns more than a few thousand. */
const MAX_FILES_PER_PACKAGE = 100_000;

type Backend = 'sqlite' | 'ndb' | 'bdb';

/** The database files rpm itself opens, by backend, in the order rpm prefers them within one directory. */
const DB_DIRS = ['/var/lib/rpm', '/usr/lib/sysimage/rpm'];
const DB_FILES: readonly (readonly [string, Backend])[] = [
  ['rpmdb.sqlite', 'sqlite'],
  ['Packages.db', 'ndb'],
  ['Packages', 'bdb'],
];
const selected = new Map<string, Backend>(DB_DIRS.flatMap((d) => DB_FILES.map(([f, b]) => [`${d}/${f}`, b] as const)));

/**
 * A non-empty `-wal` next to rpmdb.sqlite holds transactions not yet checkpointed into the main file. It is
 * not replayed (that needs the file on disk); its presence is reported so missing packages are explained.
 */
const walFiles = new Set(DB_DIRS.map((d) => `${d}/rpmdb.sqlite-wal`));

const readers: Record<Backend, (buf: Uint8Array) => RawBlobs> = { sqlite: readSqliteRpmdb, ndb: readNdb, bdb: readBdbHash };

/**
 * purl namespace (the rpm "vendor", lower-case per the purl-spec rpm definition) for an os-release ID.
 * Red Hat, SUSE and Oracle publish under their company names; the others use their distro ID.
 */
export function rpmNamespace(distro: Distro | undefined): string | undefined {
  if (!distro) return undefined;
  const id = distro.id.toLowerCase();
  if (id === 'rhel') return 'redhat';
  if (id === 'ol') return 'oracle';
  if (id.startsWith('opensuse')) return 'opensuse';
  if (id === 'sles' || id === 'sled' || id === 'sle-micro' || id === 'suse') return 'suse';
  return id;
}

/** `name-version-release.src.rpm` → source name and `version-release`; `undefined` when not in that form. */
export function parseSourceRpm(srpm: string): { name: string; version: string } | undefined {
  const m = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(srpm);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { name: m[1], version: `${m[2]}-${m[3]}` };
}

/**
 * Builds the package for one header; `undefined` for headers that are not installed software.
 * `version` is rpm's EVR, `[epoch:]version-release` (epoch only when the header has an EPOCH tag), the form
 * rpm version comparison takes; the purl version is `version-release` with the epoch as a qualifier, as the
 * purl-spec rpm type defines. The parts are kept separately in metadata.
 */
export function rpmPackage(h: RpmHeader, path: string, distro: Distro | undefined): Package | { readonly error: string } | undefined {
  const name = h.string(RpmTag.name);
  const version = h.string(RpmTag.version);
  const release = h.string(RpmTag.release);
  if (!name || version === undefined) return { error: 'header has no NAME or VERSION' };
  // gpg-pubkey entries are the signing keys imported with `rpm --import`, recorded as pseudo-packages
  // (version = key id); they own no files and are not software that advisories could name.
  if (name === 'gpg-pubkey') return undefined;
  const epoch = h.int(RpmTag.epoch);
  const arch = h.string(RpmTag.arch);
  const sourceRpm = h.string(RpmTag.sourceRpm);
  const license = h.string(RpmTag.license);
  const vendor = h.string(RpmTag.vendor);
  const modularityLabel = h.string(RpmTag.modularityLabel);
  const size = h.int(RpmTag.longSize) ?? h.int(RpmTag.size);
  const vr = release ? `${version}-${release}` : version;
  const evr = epoch !== undefined ? `${epoch}:${vr}` : vr;
  const qualifiers: Record<string, string> = {};
  if (arch) qualifiers.arch = arch;
  if (epoch !== undefined) qualifiers.epoch = String(epoch);
  if (distro) qualifiers.distro = distro.versionId ? `${distro.id}-${distro.versionId}` : distro.id;
  const source = sourceRpm ? parseSourceRpm(sourceRpm) : undefined;
  const files = h.files(MAX_FILES_PER_PACKAGE);
  return {
    name,
    version: evr,
    type: 'rpm',
    purl: makePurl('rpm', rpmNamespace(distro), name, vr, qualifiers),
    ...(distro?.ecosystem ? { ecosystem: distro.ecosystem } : {}),
    ...(source ? { source } : {}),
    licenses: license ? [license] : [],
    locations: [{ path }],
    foundBy: NAME,
    metadata: {
      epoch: epoch ?? null,
      version,
      release: release ?? null,
      arch: arch ?? null,
      sourceRpm: sourceRpm ?? null,
      vendor: vendor ?? null,
      modularityLabel: modularityLabel ?? null,
      size: size ?? null,
      provides: h.strings(RpmTag.provideName) ?? [],
      files,
    },
  };
}

/** Parses every blob of one database file into packages and issues. */
export function catalogRpmdb(buf: Uint8Array, backend: Backend, path: string, distro: Distro | undefined): CatalogResult {
  const { blobs, issues: raw } = readers[backend](buf);
  const issues: CatalogIssue[] = raw.map((message) => ({ path, message }));
  const packages: Package[] = [];
  for (const blob of blobs) {
    const parsed = RpmHeader.parse(blob);
    if (!parsed.ok) {
      issues.push({ path, message: parsed.error });
      continue;
    }
    const pkg = rpmPackage(parsed.header, path, distro);
    if (pkg && 'error' in pkg) issues.push({ path, message: pkg.error });
    else if (pkg) packages.push(pkg);
  }
  return { packages, issues };
}

export const rpmCataloger: Cataloger = {
  name: NAME,
  version: 1,
  maxFileBytes: 512 * 1024 * 1024,
  selects(entry: FileEntryInfo): boolean {
    return selected.has(entry.path) || (entry.size > 0 && walFiles.has(entry.path));
  },
  async catalog(ctx: CatalogContext): Promise<CatalogResult> {
    const packages: Package[] = [];
    const issues: CatalogIssue[] = [];
    for (const dir of DB_DIRS) {
      // A directory can keep a stale database next to the live one after a backend conversion
      // (`rpmdb --rebuilddb`); rpm opens only the newest backend, and so does this.
      for (const [file, backend] of DB_FILES) {
        const f = ctx.fs.get(`${dir}/${file}`);
        if (!f || f.path !== `${dir}/${file}` || ctx.signal.aborted) continue;
        const res = catalogRpmdb(await f.bytes(), backend, f.path, ctx.distro);
        const wal = backend === 'sqlite' ? ctx.fs.get(`${f.path}-wal`) : undefined;
        if (wal && wal.size > 0) {
          issues.push({ path: wal.path, message: `rpmdb.sqlite has a ${wal.size}-byte write-ahead log that is not read; packages from its last transactions may be missing` });
        }
        packages.push(...res.packages);
        issues.push(...(res.issues ?? []));
        if (res.packages.length > 0) break;
      }
    }
    if (issues.length > 0) ctx.log.child({ component: 'analysis', cataloger: NAME }).warn({ issues: issues.length }, 'rpmdb issues');
    return { packages: dedupe(packages), issues };
  },
};

/** One package per name/evr/arch when both database directories hold a copy (merging their locations). */
function dedupe(pkgs: readonly Package[]): Package[] {
  const byKey = new Map<string, Package>();
  for (const p of pkgs) {
    const key = `${p.name}\u0000${p.version}\u0000${String(p.metadata?.arch)}`;
    const prev = byKey.get(key);
    if (!prev) byKey.set(key, p);
    else if (!prev.locations.some((l) => l.path === p.locations[0]?.path)) byKey.set(key, { ...prev, locations: [...prev.locations, ...p.locations] });
  }
  return [...byKey.values()];
}
