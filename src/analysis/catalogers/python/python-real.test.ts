/** Installs a pinned wheel with the real pip (`pip install --target`) and catalogs its dist-info. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool, hasTools } from '../../../../test/helpers/tools.js';
import { fsFromDir, runCatalogers } from '../_lang-testkit.js';
import { pythonCataloger } from './python.js';

describe.skipIf(!hasTools('pip3'))('real pip install --target', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'crowsnest-pip-'));
    execFileSync(findTool('pip3') ?? 'pip3', ['install', '--quiet', '--no-deps', '--disable-pip-version-check', '--target', dir, 'six==1.16.0'], {
      timeout: 180_000,
      stdio: 'ignore',
    });
  }, 200_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds six 1.16.0 with its licence and RECORD files', async () => {
    const pkgs = await runCatalogers(fsFromDir(dir, pythonCataloger, '/usr/lib/python3/site-packages'), [pythonCataloger]);
    expect(pkgs).toHaveLength(1);
    expect(pkgs[0]?.purl).toBe('pkg:pypi/six@1.16.0');
    expect(pkgs[0]?.licenses).toEqual(['MIT']);
    expect(pkgs[0]?.metadata?.files).toEqual(expect.arrayContaining(['six.py']));
  });
});
