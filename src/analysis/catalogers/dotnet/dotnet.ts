/**
 * .NET cataloger: *.deps.json (package and project libraries; reference assemblies skipped),
 * packages.lock.json, packages.config, and the runtime itself from shared framework folders
 * (shared/Microsoft.NETCore.App/<version>/).
 */
import type { CatalogContext, CatalogIssue, CatalogResult, Cataloger, FileEntryInfo } from '../../cataloger.js';
import type { Package } from '../../../model/package.js';
import { basename, isRecord, langPackage, mergeByPurl, str, tryJson } from '../_lang-package.js';

const NAME = 'dotnet-packages';
const sharedFramework = /\/shared\/(Microsoft\.[A-Za-z]+\.App)\/(\d+\.\d+\.\d+[^/]*)\/[^/]+$/;

function nugetPackage(name: string, version: string, path: string, evidence: 'installed' | 'lockfile', extra: Record<string, unknown> = {}): Package {
  return langPackage({ type: 'nuget', ecosystem: 'NuGet', name, version, path, foundBy: NAME, metadata: { evidence, declaredBy: [path], ...extra } });
}

function parseDepsJson(path: string, json: Record<string, unknown>): Package[] {
  const out: Package[] = [];
  if (!isRecord(json.libraries)) return out;
  // Libraries a target lists without runtime/native assets contribute nothing at run time; they are flagged.
  const assets = new Map<string, boolean>();
  if (isRecord(json.targets)) {
    for (const t of Object.values(json.targets)) {
      if (!isRecord(t)) continue;
      for (const [k, v] of Object.entries(t)) {
        if (isRecord(v)) assets.set(k, (assets.get(k) ?? false) || ['runtime', 'runtimeTargets', 'native', 'resources'].some((a) => isRecord(v[a])));
      }
    }
  }
  for (const [key, raw] of Object.entries(json.libraries)) {
    if (!isRecord(raw)) continue;
    const type = str(raw.type);
    if (type === 'referenceassembly') continue; // compile-time reference assemblies do not ship
    const slash = key.lastIndexOf('/');
    if (slash <= 0) continue;
    // Self-contained apps list runtime packs as "runtimepack.<package id>".
    const name = key.slice(0, slash).replace(/^runtimepack\./, '');
    out.push(
      nugetPackage(name, key.slice(slash + 1), path, 'installed', {
        libraryType: type,
        ...(type === 'project' ? { project: true } : {}),
        ...(type !== 'project' && assets.get(key) === false ? { noRuntimeAssets: true } : {}),
      }),
    );
  }
  return out;
}

function parsePackagesLock(path: string, json: Record<string, unknown>): Package[] {
  const out: Package[] = [];
  if (!isRecord(json.dependencies)) return out;
  for (const deps of Object.values(json.dependencies)) {
    if (!isRecord(deps)) continue;
    for (const [name, raw] of Object.entries(deps)) {
      if (!isRecord(raw) || str(raw.type) === 'Project') continue;
      const version = str(raw.resolved);
      if (version) out.push(nugetPackage(name, version, path, 'lockfile', { dependencyType: str(raw.type) }));
    }
  }
  return out;
}

function parsePackagesConfig(path: string, text: string): Package[] {
  const out: Package[] = [];
  for (const m of text.matchAll(/<package\s+([^>]*?)\/?>/g)) {
    const attrs = m[1] ?? '';
    const id = /\bid="([^"]+)"/.exec(attrs)?.[1];
    const version = /\bversion="([^"]+)"/.exec(attrs)?.[1];
    if (id && version) out.push(nugetPackage(id, version, path, 'lockfile', { dev: /developmentDependency="true"/.test(attrs) }));
  }
  return out;
}

export const dotnetCataloger: Cataloger = {
  name: NAME,
  version: 1,
  maxFileBytes: 64 * 1024 * 1024,
  selects(entry: FileEntryInfo): boolean {
    const b = basename(entry.path);
    return b.endsWith('.deps.json') || b === 'packages.lock.json' || b === 'packages.config';
  },
  async catalog(ctx: CatalogContext): Promise<CatalogResult> {
    const issues: CatalogIssue[] = [];
    const out: Package[] = [];
    for (const f of ctx.fs.files()) {
      if (!this.selects(f)) continue;
      const fw = sharedFramework.exec(f.path);
      if (fw?.[1] && fw[2]) {
        // The framework's own deps.json lists its assemblies, not NuGet packages; the folder names the runtime.
        if (f.path.endsWith(`/${fw[1]}.deps.json`)) out.push(nugetPackage(fw[1], fw[2], f.path, 'installed', { runtime: true }));
        continue;
      }
      const text = await f.text();
      if (basename(f.path) === 'packages.config') {
        out.push(...parsePackagesConfig(f.path, text));
        continue;
      }
      const json = tryJson(text);
      if (!isRecord(json)) {
        issues.push({ path: f.path, message: `malformed ${basename(f.path)}` });
        continue;
      }
      out.push(...(basename(f.path) === 'packages.lock.json' ? parsePackagesLock(f.path, json) : parseDepsJson(f.path, json)));
    }
    return { packages: mergeByPurl(out), issues };
  },
};
