/**
 * Go cataloger: modules compiled into Go binaries (main module, dependencies with replacements, and the
 * toolchain as `stdlib`) from their embedded build info, plus go.mod files.
 */
import type { CatalogContext, CatalogIssue, CatalogResult, Cataloger, FileEntryInfo } from '../../cataloger.js';
import type { Package } from '../../../model/package.js';
import { basename, langPackage } from '../_lang-package.js';
import { readGoBuildInfo } from './buildinfo.js';

const NAME = 'go-modules';

function goPackage(path: string, version: string, where: string, evidence: 'installed' | 'lockfile', extra: Record<string, unknown> = {}): Package {
  const slash = path.lastIndexOf('/');
  return langPackage({
    type: 'golang',
    ecosystem: 'Go',
    name: path,
    version,
    namespace: slash > 0 ? path.slice(0, slash) : undefined,
    purlName: slash > 0 ? path.slice(slash + 1) : path,
    path: where,
    foundBy: NAME,
    metadata: { evidence, declaredBy: [where], ...extra },
  });
}

/** "go1.22.5" → "v1.22.5" (module-style version, as the Go vulnerability database keys stdlib). */
function stdlibVersion(goVersion: string): string | undefined {
  const m = /^go(\d+(?:\.\d+){0,2}(?:(?:rc|beta)\d+)?)/.exec(goVersion);
  return m?.[1] ? `v${m[1]}` : undefined;
}

function fromBinary(path: string, bytes: Uint8Array): Package[] {
  const info = readGoBuildInfo(bytes);
  if (!info) return [];
  const out: Package[] = [];
  const bin = { binary: true, goVersion: info.goVersion };
  if (info.main?.path) {
    // "(devel)" means the version was unknown at build time.
    const v = info.main.version === '(devel)' ? '' : info.main.version;
    out.push(goPackage(info.main.path, v, path, 'installed', { ...bin, mainModule: true, sum: info.main.sum, buildSettings: info.settings }));
  }
  for (const d of info.deps) {
    const eff = d.replace ?? d;
    out.push(goPackage(d.replace && d.replace.version ? eff.path : d.path, d.replace?.version ? eff.version : d.version, path, 'installed', {
      ...bin,
      sum: eff.sum,
      ...(d.replace ? { replaces: `${d.path}@${d.version}`, replacement: `${d.replace.path}${d.replace.version ? `@${d.replace.version}` : ''}` } : {}),
    }));
  }
  const sv = stdlibVersion(info.goVersion);
  if (sv) out.push(goPackage('stdlib', sv, path, 'installed', bin));
  return out;
}

function parseGoMod(path: string, text: string): Package[] {
  const out: Package[] = [];
  const requires: { path: string; version: string; indirect: boolean }[] = [];
  const replaces = new Map<string, { path: string; version: string }>();
  let module: string | undefined;
  let goDirective: string | undefined;
  let toolchain: string | undefined;
  let block: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const indirect = /\/\/\s*indirect/.test(raw);
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (!line) continue;
    if (block) {
      if (line === ')') {
        block = undefined;
        continue;
      }
      handle(block, line, indirect);
      continue;
    }
    const m = /^(\w+)\s*(\(?)\s*(.*)$/.exec(line);
    if (!m?.[1]) continue;
    if (m[2] === '(') block = m[1];
    else handle(m[1], m[3] ?? '', indirect);
  }
  function handle(verb: string, rest: string, indirect: boolean): void {
    const f = rest.split(/\s+/).filter(Boolean).map((s) => s.replace(/^"|"$/g, ''));
    if (verb === 'module') module = f[0];
    else if (verb === 'go') goDirective = f[0];
    else if (verb === 'toolchain') toolchain = f[0];
    else if (verb === 'require' && f[0] && f[1]) requires.push({ path: f[0], version: f[1], indirect });
    else if (verb === 'replace') {
      const arrow = f.indexOf('=>');
      const from = f[0];
      const to = arrow >= 0 ? f[arrow + 1] : undefined;
      if (from && to) replaces.set(from, { path: to, version: f[arrow + 2] ?? '' });
    }
  }
  if (module) out.push(goPackage(module, '', path, 'lockfile', { mainModule: true }));
  for (const r of requires) {
    const rep = replaces.get(r.path);
    // A replacement by a local directory (no version) keeps the required module's identity.
    if (rep?.version) out.push(goPackage(rep.path, rep.version, path, 'lockfile', { indirect: r.indirect, replaces: `${r.path}@${r.version}` }));
    else out.push(goPackage(r.path, r.version, path, 'lockfile', { indirect: r.indirect }));
  }
  const sv = stdlibVersion(toolchain ?? (goDirective ? `go${goDirective}` : ''));
  if (sv) out.push(goPackage('stdlib', sv, path, 'lockfile', { fromDirective: toolchain ? 'toolchain' : 'go' }));
  return out;
}

const ELF = 0x7f454c46;
const PE = 0x4d5a;
const MACHO = new Set([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe]);

export const golangCataloger: Cataloger = {
  name: NAME,
  version: 1,
  maxFileBytes: 512 * 1024 * 1024,
  selects(entry: FileEntryInfo): boolean {
    // Binaries are only known by their executable bit (or .exe) before their bytes are seen.
    return basename(entry.path) === 'go.mod' || ((entry.mode & 0o111) !== 0 && entry.size > 1024) || /\.exe$/i.test(entry.path);
  },
  async catalog(ctx: CatalogContext): Promise<CatalogResult> {
    const issues: CatalogIssue[] = [];
    const out: Package[] = [];
    for (const f of ctx.fs.files()) {
      if (ctx.signal.aborted) break;
      if (basename(f.path) === 'go.mod') {
        out.push(...parseGoMod(f.path, await f.text()));
        continue;
      }
      if (!this.selects(f)) continue;
      const bytes = await f.bytes();
      if (bytes.length < 64) continue;
      const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const head = b.readUInt32BE(0);
      if (head !== ELF && b.readUInt16BE(0) !== PE && !MACHO.has(head)) continue;
      try {
        out.push(...fromBinary(f.path, bytes));
      } catch (e) {
        issues.push({ path: f.path, message: `unreadable Go build info: ${(e as Error).message}` });
      }
    }
    return { packages: out, issues };
  },
};
