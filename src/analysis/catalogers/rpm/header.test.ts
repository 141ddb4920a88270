/** Header blob parser: tag decoding, dribble-over-region precedence, and malformed blobs reported, not thrown. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RpmHeader, RpmTag } from './header.js';
import { buildHeader, packageHeader } from './rpm-testkit.js';

function parsed(blob: Uint8Array): RpmHeader {
  const r = RpmHeader.parse(blob);
  if (!r.ok) throw new Error(r.error);
  return r.header;
}

describe('RpmHeader', () => {
  it('reads strings, string arrays, integers and file lists', () => {
    const h = parsed(
      buildHeader([
        { tag: RpmTag.name, string: 'bash' },
        { tag: RpmTag.epoch, int32: [7] },
        { tag: RpmTag.provideName, strings: ['bash', 'config(bash)', '/bin/sh'] },
        { tag: RpmTag.dirNames, strings: ['/usr/bin/', '/etc/'] },
        { tag: RpmTag.baseNames, strings: ['bash', 'bashrc', 'sh'] },
        { tag: RpmTag.dirIndexes, int32: [0, 1, 0] },
      ]),
    );
    expect(h.string(RpmTag.name)).toBe('bash');
    expect(h.int(RpmTag.epoch)).toBe(7);
    expect(h.strings(RpmTag.provideName)).toEqual(['bash', 'config(bash)', '/bin/sh']);
    expect(h.files(10)).toEqual(['/usr/bin/bash', '/etc/bashrc', '/usr/bin/sh']);
    expect(h.files(2)).toHaveLength(2);
    expect(h.string(RpmTag.version)).toBeUndefined();
    expect(h.int(RpmTag.name)).toBeUndefined();
  });

  it('lets entries after the region (added at install time) replace region entries', () => {
    const blob = buildHeader([
      { tag: RpmTag.name, string: 'old' },
      { tag: RpmTag.name, string: 'new' },
    ]);
    expect(parsed(blob).string(RpmTag.name)).toBe('new');
  });

  it('reports a truncated blob', () => {
    const blob = packageHeader({ name: 'a', version: '1', release: '1' });
    const r = RpmHeader.parse(blob.subarray(0, blob.length - 5));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/truncated/);
    expect(RpmHeader.parse(blob.subarray(0, 4)).ok).toBe(false);
  });

  it('reports index counts and data lengths beyond rpm limits', () => {
    const blob = packageHeader({ name: 'a', version: '1', release: '1' });
    const big = blob.slice();
    new DataView(big.buffer).setUint32(0, 0x10000);
    expect(RpmHeader.parse(big).ok).toBe(false);
    const zero = blob.slice();
    new DataView(zero.buffer).setUint32(0, 0);
    expect(RpmHeader.parse(zero).ok).toBe(false);
    const huge = blob.slice();
    new DataView(huge.buffer).setUint32(4, 0x10000000 + 1);
    expect(RpmHeader.parse(huge).ok).toBe(false);
  });

  it('reports data offsets and counts outside the data store', () => {
    const blob = packageHeader({ name: 'a', version: '1', release: '1', epoch: 2 });
    const v = new DataView(blob.buffer);
    const il = v.getUint32(0);
    const epochEntry = [...Array(il).keys()].find((i) => v.getUint32(8 + i * 16) === RpmTag.epoch) ?? -1;
    const off = blob.slice();
    new DataView(off.buffer).setInt32(8 + epochEntry * 16 + 8, 1 << 20);
    const r1 = RpmHeader.parse(off);
    expect(r1.ok).toBe(false);
    if (!r1.ok) expect(r1.error).toMatch(/outside/);
    const neg = blob.slice();
    new DataView(neg.buffer).setInt32(8 + epochEntry * 16 + 8, -4);
    expect(RpmHeader.parse(neg).ok).toBe(false);
    const cnt = blob.slice();
    new DataView(cnt.buffer).setUint32(8 + epochEntry * 16 + 12, 1000);
    expect(RpmHeader.parse(cnt).ok).toBe(false);
  });

  it('returns undefined for a string that runs off the end of the data store', () => {
    const blob = buildHeader([{ tag: RpmTag.name, string: 'abc' }]);
    // Turn every NUL after the name into a letter: the string has no terminator within the store.
    const start = 8 + 2 * 16;
    const broken = blob.slice();
    for (let i = start; i < broken.length; i++) if (broken[i] === 0) broken[i] = 0x41;
    const r = RpmHeader.parse(broken);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.header.string(RpmTag.name)).toBeUndefined();
  });

  it('never throws on arbitrary corruption of a valid blob', () => {
    const blob = packageHeader({ name: 'pkg', version: '1.0', release: '1.el9', epoch: 1, arch: 'x86_64', sourceRpm: 'pkg-1.0-1.el9.src.rpm' });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(blob.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }), fc.nat(blob.length), (edits, cut) => {
        const b = blob.slice(0, Math.max(cut, 1));
        for (const [i, x] of edits) if (i < b.length) b[i] = x;
        const r = RpmHeader.parse(b);
        if (r.ok) {
          for (const tag of Object.values(RpmTag)) {
            r.header.string(tag);
            r.header.strings(tag);
            r.header.ints(tag);
          }
          r.header.files(100);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
