/**
 * Ruby cataloger: installed gem specifications (specifications/*.gemspec, default gems under
 * specifications/default/) read without evaluating Ruby, and Gemfile.lock GEM/GIT/PATH specs.
 */
import type { CatalogContext, CatalogResult, Cataloger, FileEntryInfo } from '../../cataloger.js';
import type { Package } from '../../../model/package.js';
import { basename, langPackage, mergeByPurl } from '../_lang-package.js';

const NAME = 'ruby-gems';

function gemPackage(name: string, version: string, path: string, evidence: 'installed' | 'lockfile', licenses: string[] = [], extra: Record<string, unknown> = {}): Package {
  return langPackage({ type: 'gem', ecosystem: 'RubyGems', name, version, path, foundBy: NAME, licenses, metadata: { evidence, declaredBy: [path], ...extra } });
}

const strLit = /["']([^"']*)["']/g;

/** Reads `s.name = "x".freeze`-style assignments; `#{s.name}` interpolations are resolved against earlier fields. */
function parseGemspec(path: string, text: string): Package[] {
  const fields = new Map<string, string[]>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*\w+\.(name|version|licenses?)\s*=\s*(.+)$/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    const values = [...m[2].matchAll(strLit)].map((x) => x[1] ?? '');
    if (values.length > 0 && !fields.has(m[1])) fields.set(m[1], values);
  }
  const resolve = (v: string): string => v.replace(/#\{\w+\.(name|version)\}/g, (_m, k: string) => fields.get(k)?.[0] ?? '');
  const name = fields.get('name')?.[0];
  const version = fields.get('version')?.[0];
  if (!name || !version) return [];
  const licenses = [...(fields.get('licenses') ?? []), ...(fields.get('license') ?? [])].map(resolve);
  return [gemPackage(resolve(name), resolve(version), path, 'installed', licenses, { defaultGem: path.includes('/specifications/default/') })];
}

function parseGemfileLock(path: string, text: string): Package[] {
  const out: Package[] = [];
  let inSpecs = false;
  for (const line of text.split(/\r?\n/)) {
    if (/^\S/.test(line)) {
      inSpecs = false;
      continue;
    }
    if (/^ {2}specs:\s*$/.test(line)) {
      inSpecs = true;
      continue;
    }
    if (!inSpecs) continue;
    const m = /^ {4}([^\s(]+) \(([^)]+)\)\s*$/.exec(line);
    if (m?.[1] && m[2]) {
      // Platform-specific gems append the platform to the version ("1.13.10-x86_64-linux").
      const version = m[2].replace(/-(?:x86|x64|arm|aarch|universal|java|mingw|mswin|darwin)[\w-]*$/, '');
      out.push(gemPackage(m[1], version, path, 'lockfile'));
    }
  }
  return out;
}

export const gemCataloger: Cataloger = {
  name: NAME,
  version: 1,
  maxFileBytes: 16 * 1024 * 1024,
  selects(entry: FileEntryInfo): boolean {
    return /\/specifications\/(?:default\/)?[^/]+\.gemspec$/.test(entry.path) || basename(entry.path) === 'Gemfile.lock';
  },
  async catalog(ctx: CatalogContext): Promise<CatalogResult> {
    const out: Package[] = [];
    for (const f of ctx.fs.files()) {
      if (!this.selects(f)) continue;
      const text = await f.text();
      out.push(...(basename(f.path) === 'Gemfile.lock' ? parseGemfileLock(f.path, text) : parseGemspec(f.path, text)));
    }
    return { packages: mergeByPurl(out), issues: [] };
  },
};
