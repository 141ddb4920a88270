import { Readable } from 'node:stream';
import { mkdtempSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildLayer, buildTar, hasZstdCli } from '../../test/helpers/image-builder.js';
import { defaultExtractLimits, extractLayer, type ExtractedLayer } from './layer-extractor.js';
import { assembleImageFs } from './image-fs.js';
import { LayerError } from './errors.js';
import { readLayer, sniffCompression, normalizeEntryPath } from './layer-stream.js';

const all = (): boolean => true;
const extract = (b: Buffer, limits = defaultExtractLimits): Promise<ExtractedLayer> =>
  extractLayer(Readable.from([b]), all, limits);

describe('layer-stream', () => {
  it('sniffs magic bytes', () => {
    expect(sniffCompression(Uint8Array.from([0x1f, 0x8b, 8]))).toBe('gzip');
    expect(sniffCompression(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(sniffCompression(Uint8Array.from([0x65, 0x74]))).toBe('none');
  });
  it('clamps .. at the root', () => {
    expect(normalizeEntryPath('../../etc/passwd')).toBe('/etc/passwd');
    expect(normalizeEntryPath('./a/b/../c/')).toBe('/a/c');
  });
  const comps: ('none' | 'gzip' | 'zstd')[] = ['none', 'gzip', ...(hasZstdCli() ? (['zstd'] as const) : [])];
  for (const c of comps) {
    it(`reads ${c} layers`, async () => {
      const layer = await buildLayer({ 'etc/os-release': 'ID=debian\n', 'usr/bin/x': 'bin' }, c);
      const r = await extract(layer);
      expect(r.files.map((f) => [f.path, Buffer.from(f.data ?? []).toString()])).toEqual([
        ['/etc/os-release', 'ID=debian\n'],
        ['/usr/bin/x', 'bin'],
      ]);
    });
  }
  it('handles PAX/GNU long names', async () => {
    const long = 'a/'.repeat(120) + 'file.txt';
    const r = await extract(await buildLayer({ [long]: 'x' }));
    expect(r.files[0]?.path).toBe('/' + long);
  });
  it('skips unselected bodies', async () => {
    const r = await extractLayer(
      Readable.from([await buildLayer({ a: 'A', b: 'B' })]),
      (e) => e.path === '/b',
    );
    expect(r.files.map((f) => f.path)).toEqual(['/b']);
  });
  it('stops a gzip bomb with a total-bytes error', async () => {
    const zeros = Buffer.alloc(64 * 1024 * 1024);
    const bomb = gzipSync(await buildTar({ big: zeros }));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const err = await extract(bomb, { ...defaultExtractLimits, maxTotalBytes: 8 * 1024 * 1024 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LayerError);
    expect((err as LayerError).reason).toBe('total-bytes');
  });
  it('reports truncated layers', async () => {
    const full = await buildLayer({ a: 'x'.repeat(100_000) });
    const err = await extract(full.subarray(0, full.length / 2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LayerError);
  });
  it('enforces entry count and path length', async () => {
    const layer = await buildLayer({ a: '1', b: '2', c: '3' });
    const e1 = await extract(layer, { ...defaultExtractLimits, maxEntries: 2 }).catch((e: unknown) => e);
    expect((e1 as LayerError).reason).toBe('entry-count');
    const e2 = await extract(await buildLayer({ ['x'.repeat(300)]: '1' }), { ...defaultExtractLimits, maxPathLength: 100 }).catch((e: unknown) => e);
    expect((e2 as LayerError).reason).toBe('path-length');
  });
  it('aborts on signal', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await extract(await buildLayer({ a: '1' }), { ...defaultExtractLimits, signal: ac.signal }).catch((e: unknown) => e);
    expect((err as LayerError).reason).toBe('aborted');
  });
  it('reads 100k tiny files, keeping only selected ones', async () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < 100_000; i++) spec[`d${i % 100}/f${i}`] = 'x';
    const layer = await buildLayer(spec);
    let n = 0;
    await readLayer(Readable.from([layer]), () => {
      n++;
      return undefined;
    });
    expect(n).toBe(100_000);
    const r = await extractLayer(Readable.from([layer]), (e) => e.path.endsWith('/f7'));
    expect(r.files.map((f) => f.path)).toEqual(['/d7/f7']);
  });
});

describe('image-fs', () => {
  it('applies whiteouts and opaque dirs across 3 layers, records the writing layer', async () => {
    const l0 = await extract(await buildLayer({ 'etc/a': 'a0', 'etc/b': 'b0', 'opt/x/1': '1', 'opt/x/2': '2', 'keep': 'k' }));
    const l1 = await extract(await buildLayer({ 'etc/a': 'a1', 'etc/b': { type: 'whiteout' }, 'opt/x': { type: 'opaque' }, 'opt/x/3': '3' }));
    const l2 = await extract(await buildLayer({ 'etc/b': 'b2', 'etc': { type: 'dir' } }));
    const fs = assembleImageFs([l0, l1, l2]);
    expect([...fs.files()].map((f) => [f.path, f.layerIndex])).toEqual([
      ['/etc/a', 1],
      ['/etc/b', 2],
      ['/keep', 0],
      ['/opt/x/3', 1],
    ]);
    expect(await fs.get('/etc/a')?.text()).toBe('a1');
    fs.dispose();
  });
  it('resolves absolute, relative, outside-pointing and looping symlinks; hardlinks', async () => {
    const l0 = await extract(
      await buildLayer({
        'usr/lib/os-release': 'ID=x',
        'etc/os-release': { type: 'symlink', target: '../usr/lib/os-release' },
        'etc/abs': { type: 'symlink', target: '/usr/lib/os-release' },
        'etc/out': { type: 'symlink', target: '../../../../usr/lib/os-release' },
        'lib': { type: 'symlink', target: 'usr/lib' },
        'loop1': { type: 'symlink', target: 'loop2' },
        'loop2': { type: 'symlink', target: '/loop1' },
        'hl': { type: 'hardlink', target: 'usr/lib/os-release' },
      }),
    );
    const fs = assembleImageFs([l0]);
    expect(await fs.get('/etc/os-release')?.text()).toBe('ID=x');
    expect(await fs.get('/etc/abs')?.text()).toBe('ID=x');
    expect(await fs.get('/etc/out')?.text()).toBe('ID=x');
    expect(await fs.get('/lib/os-release')?.text()).toBe('ID=x');
    expect(fs.get('/loop1')).toBeUndefined();
    expect(await fs.get('/hl')?.text()).toBe('ID=x');
  });
  it('spills large files to disk and cleans them up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cn-spill-'));
    try {
      const big = Buffer.alloc(3 * 1024 * 1024, 7);
      const l0 = await extract(await buildLayer({ 'app.jar': big }), { ...defaultExtractLimits, spillDir: dir, inMemoryBytes: 1024 });
      const spill = l0.files[0]?.spillPath;
      expect(spill).toBeDefined();
      const fs = assembleImageFs([l0]);
      expect(Buffer.from((await fs.get('/app.jar')?.bytes()) ?? []).equals(big)).toBe(true);
      fs.dispose();
      expect(existsSync(spill ?? '')).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('spills many bodies of a layer into one segment and reads each back at its offset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cn-spill-'));
    try {
      const bodies: Record<string, Buffer> = {};
      for (let i = 0; i < 40; i++) bodies[`node_modules/p${i}/package.json`] = Buffer.from(JSON.stringify({ name: `p${i}`, version: `1.0.${i}`, pad: 'x'.repeat(i * 97) }));
      bodies['empty.txt'] = Buffer.alloc(0);
      const l0 = await extract(await buildLayer(bodies), { ...defaultExtractLimits, spillDir: dir, inMemoryBytes: 16 });
      const segments = new Set(l0.files.map((f) => f.spillPath).filter((p) => p !== undefined));
      expect(segments.size).toBe(1);
      expect(readdirSync(dir)).toHaveLength(1);
      const fs = assembleImageFs([l0]);
      for (const [path, body] of Object.entries(bodies)) expect(Buffer.from((await fs.get(`/${path}`)?.bytes()) ?? [1]).equals(body)).toBe(true);
      fs.dispose();
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('failure cleanup', () => {
  it('removes spilled files when a layer turns out truncated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cn-spill-'));
    try {
      const full = await buildLayer({ 'a.bin': Buffer.alloc(2 * 1024 * 1024, 1), 'b.bin': Buffer.alloc(2 * 1024 * 1024, 2) }, 'none');
      const cut = full.subarray(0, 3 * 1024 * 1024);
      const err = await extract(cut, { ...defaultExtractLimits, spillDir: dir, inMemoryBytes: 1024 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LayerError);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hostile layers', () => {
  it('clamps ../ paths inside the image root', async () => {
    const r = await extract(await buildLayer({ '../../etc/passwd': 'root', 'a/../../../b': 'b' }));
    expect(r.files.map((f) => f.path).sort()).toEqual(['/b', '/etc/passwd']);
  });
  it('fails a stalled layer with a time-budget error', async () => {
    const stalled = new Readable({ read() {} });
    stalled.push(Buffer.from([0x1f, 0x8b]));
    const err = await extractLayer(stalled, all, { ...defaultExtractLimits, maxMillis: 50 }).catch((e: unknown) => e);
    expect((err as LayerError).reason).toBe('time-budget');
  });
  it('keeps memory bounded while skipping a large unselected file', async () => {
    const size = 96 * 1024 * 1024;
    const layer = gzipSync(await buildTar({ 'big.bin': Buffer.alloc(size, 3), 'etc/x': 'x' }));
    global.gc?.();
    const before = process.memoryUsage().arrayBuffers + process.memoryUsage().heapUsed;
    let peak = before;
    const r = await extractLayer(Readable.from([layer]), (e) => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.arrayBuffers + m.heapUsed);
      return e.path === '/etc/x';
    });
    expect(r.files.map((f) => f.path)).toEqual(['/etc/x']);
    // The skipped body is drained, never held: growth stays far below its size.
    expect(peak - before).toBeLessThan(size / 2);
  });
});
