/** Installs a pinned old npm package into a temp dir with the real npm client and catalogs the result. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool, hasTools } from '../../../../test/helpers/tools.js';
import { fsFromDir, runCatalogers } from '../_lang-testkit.js';
import { npmCataloger } from './npm.js';

describe.skipIf(!hasTools('npm'))('real npm install', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'crowsnest-npm-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'crowsnest-npm-fixture', version: '1.0.0', private: true }));
    execFileSync(findTool('npm') ?? 'npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', 'minimist@1.2.5', 'ms@2.0.0'], {
      cwd: dir,
      timeout: 180_000,
      stdio: 'ignore',
    });
  }, 200_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the installed packages once, with licences and both manifests as evidence', async () => {
    const pkgs = await runCatalogers(fsFromDir(dir, npmCataloger, '/app'), [npmCataloger]);
    const minimist = pkgs.filter((p) => p.name === 'minimist');
    expect(minimist).toHaveLength(1);
    expect(minimist[0]?.version).toBe('1.2.5');
    expect(minimist[0]?.purl).toBe('pkg:npm/minimist@1.2.5');
    expect(minimist[0]?.licenses).toEqual(['MIT']);
    expect(minimist[0]?.metadata?.evidence).toBe('installed');
    expect(minimist[0]?.metadata?.declaredBy).toEqual(expect.arrayContaining(['/app/package-lock.json', '/app/node_modules/minimist/package.json']));
    expect(pkgs.find((p) => p.name === 'ms')?.version).toBe('2.0.0');
  });
});
