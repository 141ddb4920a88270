/**
 * JavaScript cataloger: installed package.json files (node_modules, global installs, bundled and workspace
 * packages), package-lock.json v1–v3, yarn.lock (classic and berry) and pnpm-lock.yaml (v5–v9).
 * Installed metadata wins over lockfile entries for the same name@version; dev-only lock entries are marked.
 */
import { parseAllDocuments } from 'yaml';
import type { CatalogContext, CatalogIssue, CatalogResult, Cataloger, FileEntryInfo } from '../../cataloger.js';
import type { Package } from '../../../model/package.js';
import { basename, isRecord, langPackage, mergeByPurl, str, tryJson } from '../_lang-package.js';

const NAME = 'npm-packages';
const MAX_DEPTH = 64;

function npmPackage(name: string, version: string, path: string, evidence: 'installed' | 'lockfile', extra: Record<string, unknown> = {}, licenses: string[] = []): Package {
  const slash = name.startsWith('@') ? name.indexOf('/') : -1;
  const namespace = slash > 0 ? name.slice(0, slash) : undefined;
  const purlName = slash > 0 ? name.slice(slash + 1) : name;
  return langPackage({
    type: 'npm',
    ecosystem: 'npm',
    name,
    version,
    namespace,
    purlName,
    path,
    foundBy: NAME,
    licenses,
    metadata: { evidence, declaredBy: [path], ...extra },
  });
}

function licensesOf(json: Record<string, unknown>): string[] {
  const out: string[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (isRecord(v) && typeof v.type === 'string') out.push(v.type);
  };
  add(json.license);
  if (Array.isArray(json.licenses)) json.licenses.forEach(add);
  else add(json.licenses);
  return out;
}

function parsePackageJson(path: string, text: string, issues: CatalogIssue[]): Package[] {
  const json = tryJson(text);
  if (!isRecord(json)) {
    issues.push({ path, message: 'malformed package.json' });
    return [];
  }
  const name = str(json.name);
  const version = str(json.version);
  // A package.json without name and version is a project manifest or a nested "type: module" marker, not a package.
  if (!name || !version) return [];
  return [npmPackage(name, version, path, 'installed', { private: json.private === true }, licensesOf(json))];
}

/** Name from a lockfile v2/v3 key such as "node_modules/a/node_modules/@s/b". */
function nameFromLockPath(key: string): string {
  const i = key.lastIndexOf('node_modules/');
  return i >= 0 ? key.slice(i + 'node_modules/'.length) : basename(key);
}

function parsePackageLock(path: string, text: string, issues: CatalogIssue[]): Package[] {
  const json = tryJson(text);
  if (!isRecord(json)) {
    issues.push({ path, message: 'malformed package-lock.json' });
    return [];
  }
  const out: Package[] = [];
  if (isRecord(json.packages)) {
    // Workspace folders are keyed by their path; the link entry pointing at them carries the package name.
    const linkNames = new Map<string, string>();
    for (const [key, raw] of Object.entries(json.packages)) {
      if (isRecord(raw) && raw.link === true && typeof raw.resolved === 'string') linkNames.set(raw.resolved, nameFromLockPath(key));
    }
    for (const [key, raw] of Object.entries(json.packages)) {
      if (!isRecord(raw) || raw.link === true) continue; // links point at a workspace entry listed separately
      const name = str(raw.name) ?? (key === '' ? str(json.name) : (linkNames.get(key) ?? nameFromLockPath(key)));
      if (!name) continue;
      const version = str(raw.version) ?? '';
      if (key === '' && !version) continue;
      const flags = { dev: raw.dev === true, lockPath: key, ...(raw.optional === true ? { optional: true } : {}), ...(key === '' ? { projectRoot: true } : {}) };
      out.push(npmPackage(name, version, path, 'lockfile', flags, licensesOf(raw)));
    }
    return out;
  }
  // v1 nests dependencies; a package under a dev-only parent is dev-only too.
  const walk = (deps: unknown, depth: number, parentDev: boolean): void => {
    if (!isRecord(deps) || depth > MAX_DEPTH) return;
    for (const [name, raw] of Object.entries(deps)) {
      if (!isRecord(raw)) continue;
      const version = str(raw.version);
      const dev = parentDev || raw.dev === true;
      if (version) out.push(npmPackage(name, version, path, 'lockfile', { dev }));
      walk(raw.dependencies, depth + 1, dev);
    }
  };
  walk(json.dependencies, 0, false);
  return out;
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/** "name@range" (or "name@npm:range") → name. */
function nameFromYarnSpec(spec: string): string {
  const s = unquote(spec.trim().replace(/^"|"$/g, ''));
  const at = s.indexOf('@', 1);
  return at > 0 ? s.slice(0, at) : s;
}

/** Registry tarball URL ".../<name>/-/<file>.tgz" → name; the real name when the spec is an alias. */
function nameFromTarballUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m = /\/((?:@[^/]+\/)?[^/@]+)\/-\/[^/]+\.tgz/.exec(url);
  return m?.[1] ? decodeURIComponent(m[1]) : undefined;
}

/** Berry aliases: "alias@npm:@real/name@^1" resolve to "@real/name@npm:1.0.0". */
function nameFromBerryResolution(resolution: string | undefined): string | undefined {
  if (!resolution) return undefined;
  const m = /^((?:@[^/@]+\/)?[^@]+)@npm:/.exec(resolution);
  return m?.[1];
}

function parseYarnLock(path: string, text: string): Package[] {
  const out: Package[] = [];
  let header: string | undefined;
  let version: string | undefined;
  let resolution: string | undefined;
  let resolved: string | undefined;
  const flush = (): void => {
    if (header !== undefined && version !== undefined && header !== '__metadata') {
      const firstSpec = header.split(',')[0] ?? '';
      const name = nameFromTarballUrl(resolved) ?? nameFromBerryResolution(resolution) ?? nameFromYarnSpec(firstSpec);
      const where = resolution ?? header;
      // link/portal/patch entries restate another entry; "0.0.0-use.local" is berry's placeholder for a workspace without a version.
      const skip = /@(?:link|portal|patch):/.test(where) || version === '0.0.0-use.local';
      if (name && !skip) out.push(npmPackage(name, version, path, 'lockfile', { workspace: /@workspace:/.test(header) }));
    }
    header = undefined;
    version = undefined;
    resolution = undefined;
    resolved = undefined;
  };
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#') || line.trim() === '') continue;
    if (!line.startsWith(' ')) {
      flush();
      header = line.replace(/:\s*$/, '');
      continue;
    }
    const m = /^ {2}(version|resolution|resolved):?\s+(.*)$/.exec(line);
    if (m && m[1] === 'version') version = unquote(m[2] ?? '');
    else if (m && m[1] === 'resolution') resolution = unquote(m[2] ?? '');
    else if (m && m[1] === 'resolved') resolved = unquote(m[2] ?? '');
  }
  flush();
  return out;
}

/** pnpm package key → [name, version]; formats differ between lockfile v5 ("/a/1.0.0_peer") and v6+ ("/a@1.0.0(peer)"). */
function parsePnpmKey(key: string, v5: boolean): [string, string] | undefined {
  let k = key.startsWith('/') ? key.slice(1) : key;
  const paren = k.indexOf('(');
  if (paren > 0) k = k.slice(0, paren);
  if (v5) {
    const slash = k.lastIndexOf('/');
    if (slash <= 0) return undefined;
    const version = k.slice(slash + 1).split('_')[0] ?? '';
    return [k.slice(0, slash), version];
  }
  const at = k.lastIndexOf('@');
  if (at <= 0) return undefined;
  return [k.slice(0, at), k.slice(at + 1)];
}

function parsePnpmLock(path: string, text: string, issues: CatalogIssue[]): Package[] {
  const out: Package[] = [];
  let docs;
  try {
    docs = parseAllDocuments(text);
  } catch {
    issues.push({ path, message: 'malformed pnpm-lock.yaml' });
    return [];
  }
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      issues.push({ path, message: `malformed pnpm-lock.yaml: ${doc.errors[0]?.message ?? ''}` });
      continue;
    }
    const json: unknown = doc.toJS({ maxAliasCount: 100 });
    if (!isRecord(json) || !isRecord(json.packages)) continue;
    const lv = parseFloat(String(json.lockfileVersion ?? '5'));
    const v5 = Number.isFinite(lv) && lv < 6;
    const seen = new Set<string>();
    // Direct dependencies of the project (top level before v9's importers, or per importer) name packages
    // even when the packages section is trimmed; versions may carry peer suffixes or be local links.
    const importers = isRecord(json.importers) ? Object.values(json.importers) : [json];
    for (const imp of importers) {
      if (!isRecord(imp)) continue;
      // devDependencies are left to the packages section, which lists every one of them with dev: true.
      for (const [section, dev] of [['dependencies', false], ['optionalDependencies', false]] as const) {
        const deps = imp[section];
        if (!isRecord(deps)) continue;
        for (const [name, spec] of Object.entries(deps)) {
          const raw = isRecord(spec) ? str(spec.version) : typeof spec === 'string' ? spec : undefined;
          if (!raw || /^(?:link|file|workspace):/.test(raw)) continue;
          const version = raw.split('(')[0]?.split('_')[0] ?? '';
          if (!/^\d/.test(version)) continue;
          const id = `${name}@${version}`;
          if (seen.has(id)) continue;
          seen.add(id);
          out.push(npmPackage(name, version, path, 'lockfile', { dev, lockfile: 'pnpm-lock.yaml' }));
        }
      }
    }
    for (const [key, raw] of Object.entries(json.packages)) {
      const parsed = parsePnpmKey(key, v5);
      if (!parsed) continue;
      const [name, keyVersion] = parsed;
      let version = (isRecord(raw) ? str(raw.version) : undefined) ?? keyVersion;
      // Local directory dependencies have no registry version.
      if (/^(?:file|link):/.test(version)) version = '';
      const id = `${name}@${version}`;
      const dev = isRecord(raw) && raw.dev === true;
      if (seen.has(id)) {
        // Already named as a direct dependency: the packages entry's dev flag is authoritative.
        const i = out.findIndex((p) => p.name === name && p.version === version && p.metadata?.lockfile === 'pnpm-lock.yaml');
        const prev = out[i];
        if (prev) out[i] = { ...prev, metadata: { ...prev.metadata, dev } };
        continue;
      }
      seen.add(id);
      out.push(npmPackage(name, version, path, 'lockfile', { dev, lockfile: 'pnpm-lock.yaml' }));
    }
  }
  return out;
}

/**
 * Inside node_modules only a package's own manifest, `node_modules/[@scope/]name/package.json`, is an
 * installed package; the package.json and lockfiles deeper in a package are its test fixtures, build
 * folders and development lockfiles, never installed.
 */
function isInstalledOrProjectFile(path: string): boolean {
  const i = path.lastIndexOf('/node_modules/');
  if (i < 0) return true;
  return /^(?:@[^/]+\/)?[^/@][^/]*\/package\.json$/.test(path.slice(i + '/node_modules/'.length));
}

const dirOf = (path: string): string => path.slice(0, path.lastIndexOf('/'));

/**
 * Where a lockfile sits beside an installed node_modules tree, an optional entry npm did not install
 * (a native build for another platform, such as @next/swc-darwin-arm64) is not in the image: dropped.
 * Other entries stay as lockfile evidence (dev dependencies left out by `--omit=dev` are marked dev).
 */
function withoutUninstalledOptionals(all: readonly Package[]): Package[] {
  const installedPaths = new Set<string>();
  const trees = new Set<string>();
  for (const p of all) {
    if (p.metadata?.evidence !== 'installed') continue;
    for (const l of p.locations) {
      installedPaths.add(l.path);
      const i = l.path.indexOf('/node_modules/');
      if (i >= 0) trees.add(l.path.slice(0, i));
    }
  }
  return all.filter((p) => {
    const lockPath = p.metadata?.lockPath;
    if (p.metadata?.evidence !== 'lockfile' || p.metadata.optional !== true || typeof lockPath !== 'string') return true;
    const root = dirOf(p.locations[0]?.path ?? '');
    return !trees.has(root) || installedPaths.has(`${root}/${lockPath}/package.json`);
  });
}

export const npmCataloger: Cataloger = {
  name: NAME,
  version: 3,
  maxFileBytes: 64 * 1024 * 1024,
  selects(entry: FileEntryInfo): boolean {
    const b = basename(entry.path);
    const wanted = b === 'package.json' || b === 'package-lock.json' || b === 'npm-shrinkwrap.json' || b === 'yarn.lock' || b === 'pnpm-lock.yaml';
    return wanted && isInstalledOrProjectFile(entry.path);
  },
  async catalog(ctx: CatalogContext): Promise<CatalogResult> {
    const issues: CatalogIssue[] = [];
    const all: Package[] = [];
    for (const f of ctx.fs.files()) {
      if (ctx.signal.aborted) break;
      const b = basename(f.path);
      if (!this.selects(f)) continue;
      const text = await f.text();
      if (b === 'package.json') all.push(...parsePackageJson(f.path, text, issues));
      else if (b === 'package-lock.json' || b === 'npm-shrinkwrap.json') all.push(...parsePackageLock(f.path, text, issues));
      else if (b === 'yarn.lock') all.push(...parseYarnLock(f.path, text));
      else all.push(...parsePnpmLock(f.path, text, issues));
    }
    return { packages: mergeByPurl(withoutUninstalledOptionals(all)), issues };
  },
};
