/**
 * The alpm cataloger: packages pacman installed (Arch Linux and derivatives), one directory per
 * package under /var/lib/pacman/local/<name>-<version>/ with a `desc` file of `%KEY%` sections
 * (NAME, VERSION, BASE = the source package, ARCH, LICENSE, DEPENDS, PROVIDES …) and a `files` list.
 */
import type { CatalogContext, CatalogIssue, CatalogResult, Cataloger, FileEntryInfo } from '../../cataloger.js';
import type { Package } from '../../../model/package.js';
import { makePurl } from '../_lang-package.js';

const LOCAL = '/var/lib/pacman/local/';
const DESC_MAX_BYTES = 1024 * 1024;
const FILES_MAX_BYTES = 16 * 1024 * 1024;
const MAX_FILES_KEPT = 2000;

function entryDir(path: string): string | undefined {
  if (!path.startsWith(LOCAL)) return undefined;
  const rest = path.slice(LOCAL.length).split('/');
  return rest.length === 2 ? rest[0] : undefined;
}

function selects(entry: FileEntryInfo): boolean {
  if (entryDir(entry.path) === undefined) return false;
  if (entry.path.endsWith('/desc')) return entry.size <= DESC_MAX_BYTES;
  if (entry.path.endsWith('/files')) return entry.size <= FILES_MAX_BYTES;
  return false;
}

/** `%KEY%` headers, each followed by value lines up to a blank line. */
function parseSections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let key: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const header = /^%([A-Z0-9]+)%$/.exec(line);
    if (header?.[1]) {
      key = header[1];
      out.set(key, []);
    } else if (line === '') {
      key = undefined;
    } else if (key !== undefined) {
      out.get(key)?.push(line);
    }
  }
  return out;
}

/** `glibc>=2.17` → `glibc`; `libfoo.so=1-64` → `libfoo.so`. */
function bareName(token: string): string {
  return token.split(/[<>=]/)[0] ?? token;
}

async function catalog(ctx: CatalogContext): Promise<CatalogResult> {
  const issues: CatalogIssue[] = [];
  interface Entry {
    name: string;
    version: string;
    sections: Map<string, string[]>;
    path: string;
    files: string[];
  }
  const entries: Entry[] = [];
  for (const file of ctx.fs.files()) {
    if (!file.path.endsWith('/desc') || entryDir(file.path) === undefined) continue;
    const sections = parseSections(await file.text());
    const name = sections.get('NAME')?.[0];
    const version = sections.get('VERSION')?.[0];
    if (!name || !version) {
      issues.push({ path: file.path, message: 'desc without %NAME% or %VERSION%; skipped' });
      continue;
    }
    const filesFile = ctx.fs.get(file.path.replace(/\/desc$/, '/files'));
    const files = filesFile ? (parseSections(await filesFile.text()).get('FILES') ?? []).map((f) => `/${f}`).filter((f) => !f.endsWith('/')) : [];
    entries.push({ name, version, sections, path: file.path, files });
  }

  const providers = new Map<string, string[]>();
  for (const e of entries) {
    for (const p of [e.name, ...(e.sections.get('PROVIDES') ?? []).map(bareName)]) providers.set(p, [...(providers.get(p) ?? []), e.name]);
  }
  const distroQualifier = ctx.distro?.id ? (ctx.distro.versionId ? `${ctx.distro.id}-${ctx.distro.versionId}` : ctx.distro.id) : undefined;
  const packages: Package[] = entries.map((e) => {
    const arch = e.sections.get('ARCH')?.[0];
    const base = e.sections.get('BASE')?.[0];
    const dependsOn = new Set<string>();
    for (const d of e.sections.get('DEPENDS') ?? []) for (const p of providers.get(bareName(d)) ?? []) if (p !== e.name) dependsOn.add(p);
    const qualifiers: Record<string, string> = {};
    if (arch) qualifiers.arch = arch;
    if (distroQualifier) qualifiers.distro = distroQualifier;
    if (base && base !== e.name) qualifiers.upstream = base;
    return {
      name: e.name,
      version: e.version,
      type: 'alpm',
      purl: makePurl('alpm', ctx.distro?.id ?? 'arch', e.name, e.version, qualifiers),
      ...(ctx.distro?.ecosystem ? { ecosystem: ctx.distro.ecosystem } : {}),
      source: { name: base ?? e.name, version: e.version },
      licenses: e.sections.get('LICENSE') ?? [],
      locations: [{ path: e.path }],
      foundBy: 'alpm-db',
      metadata: {
        ...(arch ? { arch } : {}),
        ...(e.sections.get('PACKAGER')?.[0] ? { packager: e.sections.get('PACKAGER')?.[0] } : {}),
        ...(dependsOn.size > 0 ? { dependsOn: [...dependsOn].sort() } : {}),
        fileCount: e.files.length,
        files: e.files.slice(0, MAX_FILES_KEPT),
      },
    };
  });
  return { packages, issues };
}

export const alpmCataloger: Cataloger = {
  name: 'alpm-db',
  version: 1,
  maxFileBytes: FILES_MAX_BYTES,
  selects,
  catalog,
};
