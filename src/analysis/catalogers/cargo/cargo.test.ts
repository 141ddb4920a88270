/** Scores the cargo cataloger against the shared cargo fixtures (read in place). */
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../../test/helpers/shared.js';
import { deflateSync } from 'node:zlib';
import { type Expected, ctxFor, fsFromMap, scoreFixtures, summarize } from '../_lang-testkit.js';
import type { Package } from '../../../model/package.js';
import { cargoCataloger } from './cargo.js';

describe.skipIf(!hasShared('fixtures', 'cargo'))('cargo fixtures', () => {
  it('reaches 98% recall and precision of (name, version)', async () => {
    // Dev-only entries count only where the peer's expectation lists dev entries itself.
    const counts = (p: Package, exp: Expected): boolean => p.metadata?.dev !== true || exp.packages.some((e) => e.dev === true);
    const s = summarize('cargo', await scoreFixtures(sharedPath('fixtures', 'cargo'), [cargoCataloger], { counts }));
    console.log(s.table);
    expect(s.recall).toBeGreaterThanOrEqual(0.98);
    expect(s.precision).toBeGreaterThanOrEqual(0.98);
  });
});

/** A minimal ELF64 file holding one `.dep-v0` section, as cargo-auditable writes it. */
function elfWithDepSection(payload: Buffer): Buffer {
  const shstr = Buffer.from('\0.dep-v0\0.shstrtab\0', 'latin1');
  const dataOff = 64;
  const strOff = dataOff + payload.length;
  const shoff = Math.ceil((strOff + shstr.length) / 8) * 8;
  const buf = Buffer.alloc(shoff + 3 * 64);
  buf.write('\x7fELF', 0, 'latin1');
  buf[4] = 2; // 64-bit
  buf[5] = 1; // little-endian
  buf[6] = 1;
  buf.writeUInt16LE(3, 16);
  buf.writeUInt16LE(62, 18);
  buf.writeUInt32LE(1, 20);
  buf.writeBigUInt64LE(BigInt(shoff), 40);
  buf.writeUInt16LE(64, 52);
  buf.writeUInt16LE(64, 58);
  buf.writeUInt16LE(3, 60);
  buf.writeUInt16LE(2, 62);
  payload.copy(buf, dataOff);
  shstr.copy(buf, strOff);
  const section = (i: number, name: number, type: number, off: number, size: number): void => {
    const o = shoff + i * 64;
    buf.writeUInt32LE(name, o);
    buf.writeUInt32LE(type, o + 4);
    buf.writeBigUInt64LE(BigInt(off), o + 0x18);
    buf.writeBigUInt64LE(BigInt(size), o + 0x20);
  };
  section(1, 1, 1, dataOff, payload.length);
  section(2, 9, 3, strOff, shstr.length);
  return buf;
}

describe('cargo-auditable binaries', () => {
  it('reads the zlib-compressed dependency list from the .dep-v0 section', async () => {
    const json = { packages: [{ name: 'app', version: '0.1.0', source: 'local', root: true }, { name: 'serde', version: '1.0.200', source: 'crates.io', dependencies: [] }] };
    const elf = elfWithDepSection(deflateSync(Buffer.from(JSON.stringify(json))));
    const res = await cargoCataloger.catalog(ctxFor(fsFromMap({ '/usr/bin/app': elf }, 0o755)));
    expect(res.packages.map((p) => p.purl).sort()).toEqual(['pkg:cargo/app@0.1.0', 'pkg:cargo/serde@1.0.200']);
    expect(res.packages.find((p) => p.name === 'app')?.metadata?.root).toBe(true);
    expect(res.issues).toEqual([]);
  });

  it('reports corrupt section data as an issue', async () => {
    const res = await cargoCataloger.catalog(ctxFor(fsFromMap({ '/usr/bin/app': elfWithDepSection(Buffer.alloc(2000, 7)) }, 0o755)));
    expect(res.packages).toEqual([]);
    expect(res.issues?.[0]?.message).toMatch(/cargo-auditable/);
  });
});
