/**
 * The dpkg cataloger: installed Debian packages from /var/lib/dpkg/status, distroless
 * /var/lib/dpkg/status.d/<pkg> entries and opkg's /usr/lib/opkg/status. Only packages dpkg
 * considers installed count (third Status word "installed"); each gets its source package (what
 * distro advisories are keyed on), licences from /usr/share/doc/<pkg>/copyright, its file list
 * from info/<pkg>.list (or .md5sums), and the installed packages it depends on.
 */
import type { CatalogContext, CatalogIssue, CatalogResult, Cataloger, FileEntryInfo, ImageFile } from '../../cataloger.js';
import type { Distro } from '../../../model/distro.js';
import type { Package } from '../../../model/package.js';
import { makePurl } from '../_lang-package.js';
import { dependencyNames, parseControl, parseSourceField, type Stanza } from './control.js';
import { COPYRIGHT_MAX_BYTES, licensesFromCopyright } from './copyright.js';

const STATUS = '/var/lib/dpkg/status';
const STATUS_D = '/var/lib/dpkg/status.d/';
const OPKG_STATUS = '/usr/lib/opkg/status';
const INFO = '/var/lib/dpkg/info/';
const DOC = '/usr/share/doc/';
/** Maintainer-script and metadata suffixes next to distroless status.d entries (not stanzas). */
const STATUS_D_SIDE_FILES = /\.(md5sums|preinst|postinst|prerm|postrm|conffiles|list|shlibs|symbols|triggers|templates|config)$/;
const STATUS_MAX_BYTES = 64 * 1024 * 1024;
const FILE_LIST_MAX_BYTES = 8 * 1024 * 1024;
/** Paths kept per package in metadata; the full count is kept too. */
const MAX_FILES_KEPT = 2000;

function isStatusFile(path: string): boolean {
  return path === STATUS || path === OPKG_STATUS || (path.startsWith(STATUS_D) && !STATUS_D_SIDE_FILES.test(path) && path.length > STATUS_D.length);
}

function isFileList(path: string): boolean {
  return (path.startsWith(INFO) && (path.endsWith('.list') || path.endsWith('.md5sums'))) || (path.startsWith(STATUS_D) && path.endsWith('.md5sums'));
}

function isCopyright(path: string): boolean {
  return path.startsWith(DOC) && path.endsWith('/copyright') && path.split('/').length === 6;
}

function selects(entry: FileEntryInfo): boolean {
  if (isStatusFile(entry.path)) return entry.size <= STATUS_MAX_BYTES;
  if (isFileList(entry.path)) return entry.size <= FILE_LIST_MAX_BYTES;
  if (isCopyright(entry.path)) return entry.size <= COPYRIGHT_MAX_BYTES;
  return false;
}

/**
 * Distroless status.d entries, and databases written by tools that omit Status everywhere, list only
 * installed packages. In a database that does track Status, a stanza without one was never installed.
 */
function isInstalled(entry: Parsed): boolean {
  const status = entry.stanza.get('status');
  if (status === undefined) return entry.path.startsWith(STATUS_D) || !entry.fileTracksStatus;
  return status.split(/\s+/)[2] === 'installed';
}

/** Dependency targets: installed packages plus stanzas without any Status (stub entries some tools write). */
function mayBeInstalled(entry: Parsed): boolean {
  return entry.stanza.get('status') === undefined || isInstalled(entry);
}

function purlNamespace(distro: Distro | undefined, opkg: boolean): string | undefined {
  if (distro?.id) return distro.id;
  return opkg ? undefined : 'debian';
}

interface Parsed {
  readonly stanza: Stanza;
  readonly path: string;
  readonly opkg: boolean;
  readonly fileTracksStatus: boolean;
}

async function readStatusFiles(ctx: CatalogContext, issues: CatalogIssue[]): Promise<Parsed[]> {
  const out: Parsed[] = [];
  for (const file of ctx.fs.files()) {
    if (!isStatusFile(file.path)) continue;
    const parsed = parseControl(await file.text());
    if (parsed.badLines > 0) issues.push({ path: file.path, message: `${parsed.badLines} malformed line(s) skipped` });
    if (parsed.truncated) issues.push({ path: file.path, message: 'too many stanzas; the rest was skipped' });
    const fileTracksStatus = parsed.stanzas.some((s) => s.has('status'));
    for (const stanza of parsed.stanzas) out.push({ stanza, path: file.path, opkg: file.path === OPKG_STATUS, fileTracksStatus });
  }
  return out;
}

async function fileList(ctx: CatalogContext, name: string, arch: string | undefined, statusPath: string): Promise<{ path: string; files: string[] } | undefined> {
  const candidates = [
    ...(arch ? [`${INFO}${name}:${arch}.list`] : []),
    `${INFO}${name}.list`,
    ...(arch ? [`${INFO}${name}:${arch}.md5sums`] : []),
    `${INFO}${name}.md5sums`,
    ...(statusPath.startsWith(STATUS_D) ? [`${statusPath}.md5sums`, `${STATUS_D}${name}.md5sums`] : []),
  ];
  for (const path of candidates) {
    const file: ImageFile | undefined = ctx.fs.get(path);
    if (!file) continue;
    const lines = (await file.text()).split('\n').filter((l) => l.trim() !== '');
    const files = path.endsWith('.md5sums')
      ? lines.map((l) => `/${l.replace(/^[0-9a-f]+\s+/i, '').replace(/^\/+/, '')}`)
      : lines.filter((l) => l !== '/.');
    return { path, files };
  }
  return undefined;
}

async function catalog(ctx: CatalogContext): Promise<CatalogResult> {
  const issues: CatalogIssue[] = [];
  const all = await readStatusFiles(ctx, issues);
  const entries = all.filter(isInstalled);
  const installed = new Set<string>();
  const providers = new Map<string, string[]>();
  for (const { stanza } of all.filter(mayBeInstalled)) {
    const name = stanza.get('package');
    if (!name) continue;
    installed.add(name);
    for (const provided of dependencyNames(stanza.get('provides'))) providers.set(provided, [...(providers.get(provided) ?? []), name]);
  }

  const packages: Package[] = [];
  const seen = new Set<string>();
  for (const { stanza, path, opkg } of entries) {
    if (ctx.signal.aborted) break;
    const name = stanza.get('package');
    const version = stanza.get('version');
    if (!name) continue;
    if (!version) {
      issues.push({ path, message: `package ${name} has no Version; skipped` });
      continue;
    }
    const arch = stanza.get('architecture');
    const key = `${name}\u0000${version}\u0000${arch ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);

    const source = parseSourceField(stanza.get('source'));
    const sourceName = source?.name ?? name;
    const sourceVersion = source?.version ?? version;
    const dependsOn = new Set<string>();
    for (const dep of [...dependencyNames(stanza.get('pre-depends')), ...dependencyNames(stanza.get('depends'))]) {
      if (installed.has(dep)) dependsOn.add(dep);
      for (const provider of providers.get(dep) ?? []) dependsOn.add(provider);
    }
    dependsOn.delete(name);

    const copyright = ctx.fs.get(`${DOC}${name}/copyright`);
    const licenses = copyright ? licensesFromCopyright(await copyright.text()) : [];
    const list = await fileList(ctx, name, arch, path);

    const qualifiers: Record<string, string> = {};
    if (arch) qualifiers.arch = arch;
    if (ctx.distro?.id && ctx.distro.versionId) qualifiers.distro = `${ctx.distro.id}-${ctx.distro.versionId}`;
    if (source) qualifiers.upstream = source.version ? `${source.name}@${source.version}` : source.name;

    const description = stanza.get('description') ?? '';
    packages.push({
      name,
      version,
      type: 'deb',
      purl: makePurl('deb', purlNamespace(ctx.distro, opkg), name, version, qualifiers),
      ...(ctx.distro?.ecosystem ? { ecosystem: ctx.distro.ecosystem } : {}),
      source: { name: sourceName, version: sourceVersion },
      licenses,
      // The per-package file list comes first: it is written when this version is installed, so its
      // layer is the one that brought the package (the shared status file is rewritten by every install).
      locations: [...(list ? [{ path: list.path }] : []), { path }, ...(copyright ? [{ path: copyright.path }] : [])],
      foundBy: 'dpkg-db',
      metadata: {
        ...(arch ? { arch } : {}),
        ...(stanza.get('maintainer') ? { maintainer: stanza.get('maintainer') } : {}),
        ...(stanza.get('installed-size') ? { installedSizeKiB: Number(stanza.get('installed-size')) } : {}),
        ...(dependsOn.size > 0 ? { dependsOn: [...dependsOn].sort() } : {}),
        ...(/transitional|dummy package/i.test(description.split('\n')[0] ?? '') ? { transitional: true } : {}),
        ...(list ? { fileCount: list.files.length, files: list.files.slice(0, MAX_FILES_KEPT) } : {}),
      },
    });
  }
  return { packages, issues };
}

export const dpkgCataloger: Cataloger = {
  name: 'dpkg-db',
  version: 1,
  maxFileBytes: STATUS_MAX_BYTES,
  selects,
  catalog,
};
