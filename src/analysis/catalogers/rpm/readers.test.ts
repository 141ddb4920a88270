/**
 * The three rpmdb readers on databases built from the documented layouts, and on deliberate corruption:
 * truncation, out-of-range offsets and overflow cycles must become issues, never exceptions or hangs.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { readBdbHash } from './bdb.js';
import { RpmHeader, RpmTag } from './header.js';
import { readNdb } from './ndb.js';
import { readSqliteRpmdb } from './sqlite.js';
import { buildBdb, buildNdb, buildSqlite, packageHeader } from './rpm-testkit.js';

const headers = [
  packageHeader({ name: 'alpha', version: '1.0', release: '1', arch: 'x86_64' }),
  packageHeader({ name: 'beta', version: '2.5', release: '3.el9', epoch: 2, arch: 'noarch', license: `MIT${' OR MIT'.repeat(300)}` }),
  packageHeader({ name: 'gamma', version: '0.1', release: '7', sourceRpm: 'gamma-src-0.1-7.src.rpm' }),
];

function names(blobs: readonly Uint8Array[]): string[] {
  return blobs.map((b) => {
    const r = RpmHeader.parse(b);
    return r.ok ? (r.header.string(RpmTag.name) ?? '?') : `!${r.error}`;
  });
}

describe('NDB reader', () => {
  it('reads every blob of a hand-built Packages.db', () => {
    const r = readNdb(buildNdb(headers));
    expect(r.issues).toEqual([]);
    expect(names(r.blobs)).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('reports a slot pointing past the end of the file and keeps the other packages', () => {
    const db = buildNdb(headers);
    new DataView(db.buffer).setUint32(32 + 16 + 8, 1 << 24, true); // second slot's block offset
    const r = readNdb(db);
    expect(names(r.blobs)).toEqual(['alpha', 'gamma']);
    expect(r.issues.join('\n')).toMatch(/package 2 points outside the file/);
  });

  it('reports a checksum mismatch and a truncated file', () => {
    const db = buildNdb(headers);
    const lastBlob = db.length - 64;
    db[lastBlob] = (db[lastBlob] ?? 0) ^ 0xff;
    const r = readNdb(db);
    expect(r.blobs).toHaveLength(2);
    expect(r.issues.join('\n')).toMatch(/checksum mismatch/);
    const cut = readNdb(buildNdb(headers).subarray(0, 4096 + 48));
    expect(cut.blobs.length).toBeLessThan(3);
    expect(cut.issues.length).toBeGreaterThan(0);
  });

  it('never throws on random corruption', () => {
    const db = buildNdb(headers);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(db.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 24 }), fc.nat(db.length), (edits, cut) => {
        const b = db.slice(0, cut);
        for (const [i, x] of edits) if (i < b.length) b[i] = x;
        const r = readNdb(b);
        for (const blob of r.blobs) RpmHeader.parse(blob);
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects a foreign file', () => {
    expect(readNdb(new Uint8Array(64)).issues[0]).toMatch(/bad magic/);
    expect(readNdb(new Uint8Array(3)).issues).toHaveLength(1);
  });
});

describe('Berkeley DB hash reader', () => {
  it('reads values spread over overflow chains', () => {
    const { file, chains } = buildBdb(headers);
    expect(chains.some((c) => c.length > 1)).toBe(true);
    const r = readBdbHash(file);
    expect(r.issues).toEqual([]);
    expect(names(r.blobs).sort()).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('reads a database written on a big-endian machine', () => {
    const r = readBdbHash(buildBdb(headers, 1024, false).file);
    expect(r.issues).toEqual([]);
    expect(names(r.blobs).sort()).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('reports an overflow cycle without hanging', () => {
    const { file, chains } = buildBdb(headers);
    const chain = chains.find((c) => c.length > 1) ?? [];
    const last = chain[chain.length - 1] ?? 0;
    // Point the chain's last page back at its first.
    new DataView(file.buffer).setUint32(last * 512 + 16, chain[0] ?? 0, true);
    const r = readBdbHash(file);
    expect(r.issues.join('\n')).toMatch(/cycles at page/);
    expect(r.blobs).toHaveLength(2);
  });

  it('reports overflow pages outside the file, wrong page types and truncation', () => {
    const { file, chains } = buildBdb(headers);
    const v = new DataView(file.buffer);
    v.setUint32((chains[0]?.[0] ?? 0) * 512 + 16, 999, true);
    const r = readBdbHash(file);
    expect(r.issues.join('\n')).toMatch(/outside the file/);

    const wrong = buildBdb(headers).file;
    wrong[(chains[1]?.[0] ?? 0) * 512 + 25] = 13;
    expect(readBdbHash(wrong).issues.length).toBeGreaterThan(0);

    const cut = readBdbHash(buildBdb(headers).file.subarray(0, 512 * 4));
    expect(cut.issues.join('\n')).toMatch(/truncated/);
  });

  it('reports item offsets outside the page', () => {
    const { file } = buildBdb(headers);
    new DataView(file.buffer).setUint16(512 + 26 + 2, 0xfff0, true);
    const r = readBdbHash(file);
    expect(r.issues.join('\n')).toMatch(/offsets out of range/);
  });

  it('rejects foreign and encrypted files', () => {
    expect(readBdbHash(new Uint8Array(4096)).issues[0]).toMatch(/bad magic/);
    const enc = buildBdb(headers).file;
    enc[24] = 1;
    expect(readBdbHash(enc).issues[0]).toMatch(/encrypted/);
  });

  it('never throws or hangs on random corruption', () => {
    const { file } = buildBdb(headers);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(file.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 24 }), (edits) => {
        const b = file.slice();
        for (const [i, x] of edits) b[i] = x;
        const r = readBdbHash(b);
        for (const blob of r.blobs) RpmHeader.parse(blob);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('SQLite reader', () => {
  it('reads rpm\'s Packages table, also from a WAL-mode file without its -wal', () => {
    const db = buildSqlite(headers);
    expect(names(readSqliteRpmdb(db).blobs)).toEqual(['alpha', 'beta', 'gamma']);
    const wal = db.slice();
    wal[18] = 2;
    wal[19] = 2;
    expect(names(readSqliteRpmdb(wal).blobs)).toEqual(['alpha', 'beta', 'gamma']);
    expect(wal[18]).toBe(2); // the caller's bytes are not modified
  });

  it('reports a truncated database and one without a Packages table', () => {
    const cut = readSqliteRpmdb(buildSqlite(headers).subarray(0, 2048));
    expect(cut.issues.length).toBeGreaterThan(0);
    const mem = new Database(':memory:');
    mem.exec('CREATE TABLE Other (x)');
    const other = readSqliteRpmdb(mem.serialize());
    mem.close();
    expect(other.blobs).toEqual([]);
    expect(other.issues[0]).toMatch(/no such table: Packages/);
    expect(readSqliteRpmdb(buildSqlite([])).issues).toEqual([]);
  });

  it('reports a file that is not SQLite and a corrupt SQLite file', () => {
    expect(readSqliteRpmdb(new Uint8Array(200)).issues[0]).toMatch(/not an SQLite/);
    const fake = new Uint8Array(4096);
    fake.set(new TextEncoder().encode('SQLite format 3\0'));
    const r = readSqliteRpmdb(fake);
    expect(r.blobs).toEqual([]);
    expect(r.issues[0]).toMatch(/cannot read rpmdb.sqlite/);
  });
});
