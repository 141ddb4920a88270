/** Scores the GitHub packages cataloger on the shared GitHub Actions fixtures and checks env runtimes. */
import { readFileSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../../test/helpers/shared.js';
import { type Expected, ctxFor, fsFromMap, scoreFixtures, summarize } from '../_lang-testkit.js';
import type { Package } from '../../../model/package.js';
import { githubCataloger } from './github.js';

describe.skipIf(!hasShared('fixtures', 'github-actions'))('github actions fixtures', () => {
  it('reaches 98% recall and precision of (name, version)', async () => {
    // syft splits action uses and reusable-workflow calls into two catalogers and each fixture's expectation
    // comes from one of them (its package types say which); we report both kinds, so score the matching kind.
    const counts = (p: Package, exp: Expected): boolean => {
      const types = new Set(exp.packages.map((e) => e.type));
      const kind = p.metadata?.kind === 'workflow' ? 'github-action-workflow' : 'github-action';
      return types.size === 0 || types.has(kind);
    };
    const s = summarize('github', await scoreFixtures(sharedPath('fixtures', 'github-actions'), [githubCataloger], { counts }));
    console.log(s.table);
    expect(s.recall).toBeGreaterThanOrEqual(0.98);
    expect(s.precision).toBeGreaterThanOrEqual(0.98);
  });
});

describe('github runtimes and purls', () => {
  it('turns NODE_VERSION into pkg:github/nodejs/node and keeps action subpaths', async () => {
    const fs = fsFromMap({
      '/src/.github/workflows/ci.yml': 'jobs:\n  a:\n    steps:\n      - uses: actions/cache/restore@v3\n      - uses: ./local\n',
    });
    const res = await githubCataloger.catalog(ctxFor(fs, { NODE_VERSION: '20.11.1', PATH: '/usr/bin' }));
    const purls = res.packages.map((p) => p.purl);
    expect(purls).toContain('pkg:github/nodejs/node@20.11.1');
    expect(purls).toContain('pkg:github/actions/cache@v3#restore');
    expect(res.packages.find((p) => p.name === './local')?.metadata?.local).toBe(true);
  });
});

describe('node binary installed by hand', () => {
  it('reads the Node.js version from the binary itself', async () => {
    // The node running this test is a real official build.
    const nodePath = realpathSync(process.execPath);
    const fs = fsFromMap({ '/usr/local/bin/node': readFileSync(nodePath) }, 0o755);
    const res = await githubCataloger.catalog(ctxFor(fs));
    expect(res.packages.map((p) => p.purl)).toEqual([`pkg:github/nodejs/node@${process.version.slice(1)}`]);
  });
});
