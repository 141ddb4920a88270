/**
 * The apk cataloger: installed Alpine-family packages (Alpine, Wolfi, Chainguard, postmarketOS)
 * from /lib/apk/db/installed — blank-line separated records of one-letter `K:value` lines. The
 * origin (`o:`) is the source package distro advisories are keyed on; dependencies (`D:`) are
 * resolved to installed packages through names, `p:` provides (so:, cmd:, paths) and versions.
 */
import type { CatalogContext, CatalogIssue, CatalogResult, Cataloger, FileEntryInfo } from '../../cataloger.js';
import type { Package } from '../../../model/package.js';
import { makePurl } from '../_lang-package.js';

const DB = '/lib/apk/db/installed';
const DB_MAX_BYTES = 64 * 1024 * 1024;
const MAX_RECORDS = 100_000;
const MAX_FILES_KEPT = 2000;

interface ApkRecord {
  name?: string;
  version?: string;
  arch?: string;
  origin?: string;
  license?: string;
  maintainer?: string;
  installedSize?: number;
  depends: string[];
  provides: string[];
  files: string[];
}

function parseDb(text: string, issues: CatalogIssue[]): ApkRecord[] {
  const records: ApkRecord[] = [];
  let current: ApkRecord = { depends: [], provides: [], files: [] };
  let dir = '';
  let bad = 0;
  const flush = () => {
    if (current.name !== undefined || current.version !== undefined) records.push(current);
    current = { depends: [], provides: [], files: [] };
    dir = '';
  };
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') {
      flush();
      if (records.length >= MAX_RECORDS) {
        issues.push({ path: DB, message: `more than ${MAX_RECORDS} packages; the rest was skipped` });
        break;
      }
      continue;
    }
    if (line.length < 2 || line[1] !== ':') {
      bad++;
      continue;
    }
    const value = line.slice(2);
    switch (line[0]) {
      case 'P': current.name = value; break;
      case 'V': current.version = value; break;
      case 'A': current.arch = value; break;
      case 'o': current.origin = value; break;
      case 'L': current.license = value; break;
      case 'm': current.maintainer = value; break;
      case 'I': current.installedSize = Number(value); break;
      case 'D': current.depends.push(...value.split(/\s+/).filter((d) => d !== '')); break;
      case 'p': current.provides.push(...value.split(/\s+/).filter((d) => d !== '')); break;
      case 'F': dir = value; break;
      case 'R': current.files.push(`/${dir === '' ? '' : `${dir}/`}${value}`); break;
      default: break;
    }
  }
  flush();
  if (bad > 0) issues.push({ path: DB, message: `${bad} malformed line(s) skipped (corrupt database?)` });
  return records;
}

/** `name`, `name=1.0`, `name>1`, `so:libc.so=1` → the provided/required name. */
function bareName(token: string): string {
  return token.replace(/^!/, '').split(/[<>=~]/)[0] ?? token;
}

/** apk's L: field is an SPDX expression or a space-separated list of names. */
function licenses(value: string | undefined): string[] {
  if (!value) return [];
  if (/\s(AND|OR|WITH)\s/.test(value) || value.includes('(')) return [value];
  return value.split(/\s+/).filter((l) => l !== '');
}

async function catalog(ctx: CatalogContext): Promise<CatalogResult> {
  const file = ctx.fs.get(DB);
  if (!file) return { packages: [] };
  const issues: CatalogIssue[] = [];
  const records = parseDb(await file.text(), issues).filter((r) => {
    if (r.name && r.version) return true;
    issues.push({ path: DB, message: `record without ${r.name ? 'V: (version)' : 'P: (name)'} skipped` });
    return false;
  });

  const providers = new Map<string, string[]>();
  const provide = (what: string, by: string) => providers.set(what, [...(providers.get(what) ?? []), by]);
  for (const r of records) {
    const name = r.name ?? '';
    provide(name, name);
    for (const p of r.provides) provide(bareName(p), name);
    for (const f of r.files) provide(f, name);
  }

  const namespace = ctx.distro?.id ?? 'alpine';
  const distroQualifier = ctx.distro?.id && ctx.distro.versionId ? `${ctx.distro.id}-${ctx.distro.versionId}` : undefined;
  const packages: Package[] = records.map((r) => {
    const name = r.name ?? '';
    const version = r.version ?? '';
    const dependsOn = new Set<string>();
    for (const d of r.depends) {
      if (d.startsWith('!')) continue;
      for (const provider of providers.get(bareName(d)) ?? []) if (provider !== name) dependsOn.add(provider);
    }
    const qualifiers: Record<string, string> = {};
    if (r.arch) qualifiers.arch = r.arch;
    if (distroQualifier) qualifiers.distro = distroQualifier;
    if (r.origin && r.origin !== name) qualifiers.upstream = r.origin;
    return {
      name,
      version,
      type: 'apk',
      purl: makePurl('apk', namespace, name, version, qualifiers),
      ...(ctx.distro?.ecosystem ? { ecosystem: ctx.distro.ecosystem } : {}),
      source: { name: r.origin ?? name, version },
      licenses: licenses(r.license),
      locations: [{ path: DB }],
      foundBy: 'apk-db',
      metadata: {
        ...(r.arch ? { arch: r.arch } : {}),
        ...(r.maintainer ? { maintainer: r.maintainer } : {}),
        ...(r.installedSize !== undefined && Number.isFinite(r.installedSize) ? { installedSize: r.installedSize } : {}),
        ...(dependsOn.size > 0 ? { dependsOn: [...dependsOn].sort() } : {}),
        fileCount: r.files.length,
        files: r.files.slice(0, MAX_FILES_KEPT),
      },
    };
  });
  return { packages, issues };
}

export const apkCataloger: Cataloger = {
  name: 'apk-db',
  version: 1,
  maxFileBytes: DB_MAX_BYTES,
  selects: (entry: FileEntryInfo) => entry.path === DB && entry.size <= DB_MAX_BYTES,
  catalog,
};
