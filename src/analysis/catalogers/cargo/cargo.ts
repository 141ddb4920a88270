/**
 * Rust cataloger: Cargo.lock and the dependency list cargo-auditable embeds in binaries (the ELF
 * section `.dep-v0`: zlib-compressed JSON). ELF section lookup is hand-written: only the section
 * header table is needed and no Node ELF library fits.
 */
import { inflateSync } from 'node:zlib';
import type { CatalogContext, CatalogIssue, CatalogResult, Cataloger, FileEntryInfo } from '../../cataloger.js';
import type { Package } from '../../../model/package.js';
import { basename, isRecord, langPackage, str, tomlPackages, tryJson } from '../_lang-package.js';

const NAME = 'rust-cargo';
const MAX_INFLATED = 8 * 1024 * 1024;

function cargoPackage(name: string, version: string, path: string, evidence: 'installed' | 'lockfile', extra: Record<string, unknown>): Package {
  return langPackage({ type: 'cargo', ecosystem: 'crates.io', name, version, path, foundBy: NAME, metadata: { evidence, declaredBy: [path], ...extra } });
}

/** Bytes of the named section of an ELF file, or `undefined`. */
export function elfSection(buf: Buffer, wanted: string): Buffer | undefined {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const is64 = buf[4] === 2;
  const le = buf[5] === 1;
  const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const un = (o: number): number => (is64 ? Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o)) : u32(o));
  const shoff = un(is64 ? 0x28 : 0x20);
  const shentsize = u16(is64 ? 0x3a : 0x2e);
  const shnum = u16(is64 ? 0x3c : 0x30);
  const shstrndx = u16(is64 ? 0x3e : 0x32);
  if (shnum > 4096 || shoff + shnum * shentsize > buf.length) return undefined;
  const sh = (i: number): { name: number; off: number; size: number } => {
    const o = shoff + i * shentsize;
    return { name: u32(o), off: un(o + (is64 ? 0x18 : 0x10)), size: un(o + (is64 ? 0x20 : 0x14)) };
  };
  const strtab = sh(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const s = sh(i);
    const start = strtab.off + s.name;
    const end = buf.indexOf(0, start);
    if (end < 0) continue;
    if (buf.toString('latin1', start, end) === wanted && s.off + s.size <= buf.length) return buf.subarray(s.off, s.off + s.size);
  }
  return undefined;
}

function fromAuditable(path: string, bytes: Uint8Array, issues: CatalogIssue[]): Package[] {
  const sec = elfSection(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), '.dep-v0');
  if (!sec) return [];
  let json: unknown;
  try {
    json = tryJson(inflateSync(sec, { maxOutputLength: MAX_INFLATED }).toString('utf8'));
  } catch (e) {
    issues.push({ path, message: `bad cargo-auditable data: ${(e as Error).message}` });
    return [];
  }
  if (!isRecord(json) || !Array.isArray(json.packages)) return [];
  const out: Package[] = [];
  for (const p of json.packages) {
    if (!isRecord(p)) continue;
    const name = str(p.name);
    const version = str(p.version);
    if (name && version) out.push(cargoPackage(name, version, path, 'installed', { binary: true, source: str(p.source), kind: str(p.kind), root: p.root === true }));
  }
  return out;
}

export const cargoCataloger: Cataloger = {
  name: NAME,
  version: 1,
  maxFileBytes: 512 * 1024 * 1024,
  selects(entry: FileEntryInfo): boolean {
    return basename(entry.path) === 'Cargo.lock' || ((entry.mode & 0o111) !== 0 && entry.size >= 64);
  },
  async catalog(ctx: CatalogContext): Promise<CatalogResult> {
    const issues: CatalogIssue[] = [];
    const out: Package[] = [];
    for (const f of ctx.fs.files()) {
      if (ctx.signal.aborted) break;
      if (basename(f.path) === 'Cargo.lock') {
        for (const p of tomlPackages(await f.text())) {
          if (p.name && p.version) out.push(cargoPackage(p.name, p.version, f.path, 'lockfile', { source: p.source, ...(p.source === undefined ? { local: true } : {}) }));
        }
      } else if (this.selects(f)) {
        out.push(...fromAuditable(f.path, await f.bytes(), issues));
      }
    }
    return { packages: out, issues };
  },
};
