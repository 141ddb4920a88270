/**
 * Python cataloger: installed distributions (*.dist-info/METADATA with RECORD, *.egg-info PKG-INFO as file
 * or folder, zipped .egg files, conda-meta JSON) and lockfiles (poetry.lock, Pipfile.lock, uv.lock, pinned
 * requirements*.txt). purl names are PEP 503-normalized; the display name stays as declared.
 */
import type { CatalogContext, CatalogIssue, CatalogResult, Cataloger, FileEntryInfo, ImageFile } from '../../cataloger.js';
import type { Package } from '../../../model/package.js';
import { basename, dirname, isRecord, langPackage, mergeByPurl, str, tomlPackages, tryJson } from '../_lang-package.js';
import { readZipEntries } from '../_lang-zip.js';

const NAME = 'python-packages';
const MAX_RECORD_FILES = 5000;

/** PEP 503 normalization: lower-case, runs of "-", "_", "." become one "-". */
export function normalizePyName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

function pyPackage(name: string, version: string, path: string, evidence: 'installed' | 'lockfile', licenses: string[] = [], extra: Record<string, unknown> = {}): Package {
  return langPackage({
    type: 'pypi',
    ecosystem: 'PyPI',
    name,
    version,
    purlName: normalizePyName(name),
    path,
    foundBy: NAME,
    licenses,
    metadata: { evidence, declaredBy: [path], ...extra },
  });
}

/** RFC 822-style header block of METADATA / PKG-INFO (continuation lines folded). */
function parseHeaders(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break; // the body (long description) follows the first blank line
    if (/^[ \t]/.test(line) && last) {
      const vals = out.get(last);
      if (vals && vals.length > 0) vals[vals.length - 1] += `\n${line.trim()}`;
      continue;
    }
    const i = line.indexOf(':');
    if (i <= 0) continue;
    last = line.slice(0, i).trim().toLowerCase();
    const list = out.get(last) ?? [];
    list.push(line.slice(i + 1).trim());
    out.set(last, list);
  }
  return out;
}

function licensesFromHeaders(h: Map<string, string[]>): string[] {
  const expr = h.get('license-expression')?.[0];
  if (expr) return [expr];
  const lic = h.get('license')?.[0];
  if (lic && lic !== 'UNKNOWN' && !lic.includes('\n') && lic.length < 100) return [lic];
  const out: string[] = [];
  for (const c of h.get('classifier') ?? []) {
    const m = /^License :: (?:OSI Approved :: )?(.+)$/.exec(c);
    if (m?.[1] && m[1] !== 'OSI Approved') out.push(m[1]);
  }
  return out;
}

function fromMetadata(path: string, text: string, issues: CatalogIssue[], extra: Record<string, unknown> = {}): Package[] {
  const h = parseHeaders(text);
  const name = h.get('name')?.[0];
  if (!name) {
    issues.push({ path, message: 'python metadata without Name' });
    return [];
  }
  // The interpreter's own egg-info (Python-2.7.egg-info) describes CPython, not a PyPI distribution.
  if (name === 'Python' && /\/Python-[\d.]+\.egg-info$/.test(path)) return [];
  const version = h.get('version')?.[0] ?? '';
  return [pyPackage(name, version, path, 'installed', licensesFromHeaders(h), extra)];
}

function recordFiles(text: string): string[] {
  const files: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (files.length >= MAX_RECORD_FILES) break;
    const p = line.split(',')[0];
    if (p) files.push(p);
  }
  return files;
}

function parsePoetry(path: string, text: string): Package[] {
  return tomlPackages(text)
    .filter((p) => p.name && p.version)
    .map((p) => pyPackage(p.name ?? '', p.version ?? '', path, 'lockfile', [], { dev: p.category === 'dev', lockfile: 'poetry.lock' }));
}

function parseUv(path: string, text: string): Package[] {
  return tomlPackages(text)
    .filter((p) => p.name && p.version)
    .map((p) => pyPackage(p.name ?? '', p.version ?? '', path, 'lockfile', [], { lockfile: 'uv.lock', ...(/editable|virtual/.test(p.source ?? '') ? { projectRoot: true } : {}) }));
}

function parsePipfileLock(path: string, text: string, issues: CatalogIssue[]): Package[] {
  const json = tryJson(text);
  if (!isRecord(json)) {
    issues.push({ path, message: 'malformed Pipfile.lock' });
    return [];
  }
  const out: Package[] = [];
  for (const [section, dev] of [['default', false], ['develop', true]] as const) {
    const deps = json[section];
    if (!isRecord(deps)) continue;
    for (const [name, raw] of Object.entries(deps)) {
      const v = isRecord(raw) ? str(raw.version) : undefined;
      if (v?.startsWith('==')) out.push(pyPackage(name, v.slice(2), path, 'lockfile', [], { dev, lockfile: 'Pipfile.lock' }));
    }
  }
  return out;
}

function parseRequirements(path: string, text: string): Package[] {
  const out: Package[] = [];
  const joined = text.replace(/\\\r?\n/g, ' ');
  for (const raw of joined.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').split(';')[0]?.trim() ?? '';
    if (!line || line.startsWith('-')) continue;
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s,@]+)/.exec(line);
    if (!m?.[1] || !m[2] || m[2].includes('*')) continue; // only exact pins identify a version
    out.push(pyPackage(m[1], m[2], path, 'lockfile', [], { lockfile: basename(path) }));
  }
  return out;
}

function parseConda(path: string, text: string, issues: CatalogIssue[]): Package[] {
  const json = tryJson(text);
  if (!isRecord(json)) {
    issues.push({ path, message: 'malformed conda-meta JSON' });
    return [];
  }
  const name = str(json.name);
  const version = str(json.version);
  if (!name || !version) return [];
  const lic = str(json.license);
  return [pyPackage(name, version, path, 'installed', lic ? [lic] : [], { conda: true })];
}

const infoFile = /(?:^|[/.-])(?:dist|egg)-info\/(?:METADATA|PKG-INFO|RECORD)$/i;

export const pythonCataloger: Cataloger = {
  name: NAME,
  version: 1,
  maxFileBytes: 64 * 1024 * 1024,
  selects(entry: FileEntryInfo): boolean {
    const p = entry.path;
    const b = basename(p);
    return (
      infoFile.test(p) ||
      /\.egg-info$/i.test(p) ||
      /\.egg$/i.test(p) ||
      (/\/conda-meta\/[^/]+\.json$/.test(p) && b !== 'history') ||
      b === 'poetry.lock' ||
      b === 'Pipfile.lock' ||
      b === 'uv.lock' ||
      /^requirements.*\.txt$/.test(b)
    );
  },
  async catalog(ctx: CatalogContext): Promise<CatalogResult> {
    const issues: CatalogIssue[] = [];
    const all: Package[] = [];
    const read = async (f: ImageFile): Promise<string> => f.text();
    for (const f of ctx.fs.files()) {
      if (ctx.signal.aborted) break;
      const p = f.path;
      const b = basename(p);
      try {
        if (infoFile.test(p) && /^(METADATA|PKG-INFO)$/i.test(b)) {
          const rec = ctx.fs.get(`${dirname(p)}/RECORD`);
          const files = rec ? recordFiles(await read(rec)) : undefined;
          all.push(...fromMetadata(p, await read(f), issues, files ? { files } : {}));
        } else if (/\.egg-info$/i.test(p)) all.push(...fromMetadata(p, await read(f), issues));
        else if (/\.egg$/i.test(p)) {
          const entries = await readZipEntries(await f.bytes(), (n) => n === 'EGG-INFO/PKG-INFO');
          const pkgInfo = entries.get('EGG-INFO/PKG-INFO');
          if (pkgInfo) all.push(...fromMetadata(p, new TextDecoder().decode(pkgInfo), issues));
        } else if (/\/conda-meta\/[^/]+\.json$/.test(p)) all.push(...parseConda(p, await read(f), issues));
        else if (b === 'poetry.lock') all.push(...parsePoetry(p, await read(f)));
        else if (b === 'uv.lock') all.push(...parseUv(p, await read(f)));
        else if (b === 'Pipfile.lock') all.push(...parsePipfileLock(p, await read(f), issues));
        else if (/^requirements.*\.txt$/.test(b)) all.push(...parseRequirements(p, await read(f)));
      } catch (e) {
        issues.push({ path: p, message: `unreadable: ${(e as Error).message}` });
      }
    }
    return { packages: mergeByPurl(all), issues };
  },
};
