import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Cataloger } from '../analysis/cataloger.js';
import { buildTar } from '../../test/helpers/image-builder.js';
import { dirImageFs, readDockerArchive, selectorFor } from './local-sources.js';
import { extractLayer } from './layer-extractor.js';
import { assembleImageFs } from './image-fs.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'cn-local-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const cat = (name: string, match: string, maxFileBytes: number): Cataloger => ({
  name,
  version: 1,
  maxFileBytes,
  selects: (e) => e.path.endsWith(match),
  catalog: () => Promise.resolve({ packages: [] }),
});

describe('local sources', () => {
  it('combines cataloger selectors with the largest cap', () => {
    const sel = selectorFor([cat('a', 'status', 10), cat('b', 'status', 20), cat('c', '.jar', 5)]);
    expect(sel({ path: '/var/lib/dpkg/status', size: 1, mode: 0o644 })).toBe(20);
    expect(sel({ path: '/x.jar', size: 1, mode: 0o644 })).toBe(5);
    expect(sel({ path: '/other', size: 1, mode: 0o644 })).toBe(false);
  });

  it('reads a docker-archive by streaming layer entries out of the outer tar', async () => {
    const l0 = await buildTar({ 'etc/os-release': 'ID=debian\n' });
    const l1 = await buildTar({ 'etc/os-release': { type: 'whiteout' }, 'etc/issue': 'hi' });
    const archive = await buildTar({
      'manifest.json': JSON.stringify([{ Config: 'cfg.json', RepoTags: ['x:1'], Layers: ['a/layer.tar', 'b/layer.tar'] }]),
      'cfg.json': JSON.stringify({ os: 'linux', architecture: 'amd64' }),
      'a/layer.tar': l0,
      'b/layer.tar': l1,
    });
    const file = join(tmp(), 'img.tar');
    writeFileSync(file, archive);
    const img = await readDockerArchive(file);
    expect(img.repoTags).toEqual(['x:1']);
    expect(JSON.parse(Buffer.from(img.config).toString()) as unknown).toEqual({ os: 'linux', architecture: 'amd64' });
    const layers = [];
    for (let i = 0; i < img.layerPaths.length; i++) layers.push(await extractLayer(await img.openLayer(i), () => true));
    const fs = assembleImageFs(layers);
    expect([...fs.files()].map((f) => f.path)).toEqual(['/etc/issue']);
  });

  it('builds an ImageFs from a directory with symlinks', async () => {
    const root = tmp();
    mkdirSync(join(root, 'usr/lib'), { recursive: true });
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'usr/lib/os-release'), 'ID=arch\n');
    symlinkSync('../usr/lib/os-release', join(root, 'etc/os-release'));
    writeFileSync(join(root, 'unselected'), 'x');
    const fs = await dirImageFs(root, (e) => e.path.endsWith('os-release'));
    expect(await fs.get('/etc/os-release')?.text()).toBe('ID=arch\n');
    expect([...fs.files()].map((f) => f.path)).toEqual(['/usr/lib/os-release']);
  });
});
