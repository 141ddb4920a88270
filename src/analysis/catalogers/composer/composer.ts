/**
 * PHP cataloger: Composer's vendor/composer/installed.json (v1 top-level array and v2 `packages` object)
 * and composer.lock (`packages` and dev-only `packages-dev`).
 */
import type { CatalogContext, CatalogIssue, CatalogResult, Cataloger, FileEntryInfo } from '../../cataloger.js';
import type { Package } from '../../../model/package.js';
import { basename, isRecord, langPackage, mergeByPurl, str, tryJson } from '../_lang-package.js';

const NAME = 'php-composer';

function composerPackage(raw: Record<string, unknown>, path: string, evidence: 'installed' | 'lockfile', dev: boolean, devPackage = false): Package | undefined {
  const name = str(raw.name);
  const version = str(raw.version);
  if (!name || !version) return undefined;
  const slash = name.indexOf('/');
  const lic = raw.license;
  const licenses = Array.isArray(lic) ? lic.filter((l): l is string => typeof l === 'string') : typeof lic === 'string' ? [lic] : [];
  return langPackage({
    type: 'composer',
    ecosystem: 'Packagist',
    name,
    version,
    namespace: slash > 0 ? name.slice(0, slash) : undefined,
    purlName: slash > 0 ? name.slice(slash + 1) : name,
    path,
    foundBy: NAME,
    licenses,
    metadata: { evidence, declaredBy: [path], dev, ...(devPackage ? { devPackage } : {}) },
  });
}

export const composerCataloger: Cataloger = {
  name: NAME,
  version: 1,
  maxFileBytes: 64 * 1024 * 1024,
  selects(entry: FileEntryInfo): boolean {
    return entry.path.endsWith('/composer/installed.json') || basename(entry.path) === 'composer.lock';
  },
  async catalog(ctx: CatalogContext): Promise<CatalogResult> {
    const issues: CatalogIssue[] = [];
    const out: Package[] = [];
    for (const f of ctx.fs.files()) {
      if (!this.selects(f)) continue;
      const json = tryJson(await f.text());
      const lock = basename(f.path) === 'composer.lock';
      const sections: [unknown, boolean][] = lock
        ? isRecord(json) ? [[json.packages, false], [json['packages-dev'], true]] : []
        : Array.isArray(json) ? [[json, false]] : isRecord(json) ? [[json.packages, false]] : [];
      if (sections.length === 0) {
        issues.push({ path: f.path, message: 'malformed composer file' });
        continue;
      }
      const devNames = !lock && isRecord(json) && Array.isArray(json['dev-package-names']) ? new Set(json['dev-package-names']) : new Set<unknown>();
      for (const [list, dev] of sections) {
        if (!Array.isArray(list)) continue;
        for (const raw of list) {
          if (!isRecord(raw)) continue;
          // Installed dev packages are on disk, so they stay reported; they are only flagged.
          const p = composerPackage(raw, f.path, lock ? 'lockfile' : 'installed', dev, devNames.has(raw.name));
          if (p) out.push(p);
        }
      }
    }
    return { packages: mergeByPurl(out), issues };
  },
};
