/** FsLayerCache: round trip (in-memory and spilled bodies), LRU eviction under the bound, corrupt entries dropped. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExtractedLayer } from '../../image/layer-extractor.js';
import { FsLayerCache } from './layer-cache.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'layer-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function layer(bodySize: number, spill?: string): ExtractedLayer {
  return {
    files: [
      { path: '/etc/os-release', size: 8, mode: 0o644, data: Buffer.from('ID=test\n') },
      spill !== undefined ? { path: '/big', size: bodySize, mode: 0o755, spillPath: spill } : { path: '/big', size: bodySize, mode: 0o755, data: new Uint8Array(bodySize).fill(7) },
    ],
    whiteouts: ['/gone'],
    opaqueDirs: ['/opq'],
    symlinks: [{ path: '/l', target: '/etc/os-release' }],
    hardlinks: [{ path: '/h', target: '/big' }],
    written: ['/etc/os-release', '/big', '/l', '/h'],
    skippedTooLarge: [{ path: '/huge', size: 10, limit: 5 }],
  };
}

const opts = () => ({ spillDir: dir, inMemoryBytes: 1000 });

describe('FsLayerCache', () => {
  it('round-trips an extract, spilling large bodies on read', async () => {
    const cache = new FsLayerCache(join(dir, 'c'), 1024 ** 2);
    const spill = join(dir, 'spilled');
    writeFileSync(spill, Buffer.alloc(5000, 9));
    await cache.put('sha256:a', 'v1', layer(5000, spill));
    expect(await cache.get('sha256:a', 'v2', opts())).toBeUndefined();
    const got = await cache.get('sha256:a', 'v1', opts());
    expect(got?.whiteouts).toEqual(['/gone']);
    expect(got?.opaqueDirs).toEqual(['/opq']);
    expect(got?.symlinks).toEqual([{ path: '/l', target: '/etc/os-release' }]);
    expect(got?.hardlinks).toEqual([{ path: '/h', target: '/big' }]);
    expect(got?.skippedTooLarge).toHaveLength(1);
    expect(Buffer.from(got?.files[0]?.data ?? []).toString()).toBe('ID=test\n');
    const big = got?.files[1];
    expect(big?.data).toBeUndefined();
    expect(readFileSync(big?.spillPath ?? '').equals(Buffer.alloc(5000, 9))).toBe(true);
  });

  it('stores bodies spilled into a shared segment from their own offsets', async () => {
    const cache = new FsLayerCache(join(dir, 'c'), 1024 ** 2);
    const segment = join(dir, 'segment');
    writeFileSync(segment, Buffer.concat([Buffer.alloc(3000, 1), Buffer.alloc(2000, 2)]));
    const base = layer(0);
    const extracted: ExtractedLayer = {
      ...base,
      files: [
        { path: '/one', size: 3000, mode: 0o644, spillPath: segment, spillOffset: 0 },
        { path: '/two', size: 2000, mode: 0o644, spillPath: segment, spillOffset: 3000 },
      ],
    };
    await cache.put('sha256:s', 'v1', extracted);
    const got = await cache.get('sha256:s', 'v1', opts());
    const body = (f: ExtractedLayer['files'][number] | undefined) => (f?.data ? Buffer.from(f.data) : readFileSync(f?.spillPath ?? ''));
    expect(body(got?.files[0]).equals(Buffer.alloc(3000, 1))).toBe(true);
    expect(body(got?.files[1]).equals(Buffer.alloc(2000, 2))).toBe(true);
  });

  it('evicts least recently used entries beyond its bound', async () => {
    const cache = new FsLayerCache(join(dir, 'c'), 25_000);
    await cache.put('sha256:1', 'v', layer(10_000));
    await new Promise((r) => setTimeout(r, 20));
    await cache.put('sha256:2', 'v', layer(10_000));
    await new Promise((r) => setTimeout(r, 20));
    expect(await cache.get('sha256:1', 'v', opts())).toBeDefined(); // touch: 1 is now the most recent
    await new Promise((r) => setTimeout(r, 20));
    await cache.put('sha256:3', 'v', layer(10_000));
    expect(readdirSync(join(dir, 'c')).filter((n) => n.endsWith('.layer'))).toHaveLength(2);
    expect(await cache.get('sha256:2', 'v', opts())).toBeUndefined();
    expect(await cache.get('sha256:1', 'v', opts())).toBeDefined();
    expect(await cache.get('sha256:3', 'v', opts())).toBeDefined();
  });

  it('drops a corrupt entry instead of failing', async () => {
    const cache = new FsLayerCache(join(dir, 'c'), 1024 ** 2);
    await cache.put('sha256:x', 'v', layer(10));
    const [name] = readdirSync(join(dir, 'c'));
    writeFileSync(join(dir, 'c', name ?? ''), Buffer.from([0, 0, 0, 50, 1, 2, 3]));
    expect(await cache.get('sha256:x', 'v', opts())).toBeUndefined();
    expect(readdirSync(join(dir, 'c'))).toHaveLength(0);
  });
});
