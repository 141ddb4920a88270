/** Scores the Python cataloger against the shared python fixtures (names compared PEP 503-normalized). */
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../../test/helpers/shared.js';
import { type Expected, fsFromMap, runCatalogers, scoreFixtures, summarize } from '../_lang-testkit.js';
import type { Package } from '../../../model/package.js';
import { normalizePyName, pythonCataloger } from './python.js';

describe.skipIf(!hasShared('fixtures', 'python'))('python fixtures', () => {
  it('reaches 98% recall and precision of (name, version)', async () => {
    // syft reports poetry's dev-category entries but not Pipfile "develop" ones; trivy lists dev entries marked dev.
    const counts = (p: Package, exp: Expected): boolean =>
      p.metadata?.dev !== true || p.metadata.lockfile === 'poetry.lock' || exp.packages.some((e) => e.dev === true);
    const scores = await scoreFixtures(sharedPath('fixtures', 'python'), [pythonCataloger], { counts, normalize: normalizePyName });
    const s = summarize('python', scores);
    console.log(s.table);
    expect(s.recall).toBeGreaterThanOrEqual(0.98);
    expect(s.precision).toBeGreaterThanOrEqual(0.98);
  });
});

describe('python details', () => {
  it('normalizes purl names and attaches RECORD files', async () => {
    const fs = fsFromMap({
      '/usr/lib/python3/site-packages/Foo_Bar-1.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: Foo_Bar\nVersion: 1.0\nLicense-Expression: MIT\n\nbody',
      '/usr/lib/python3/site-packages/Foo_Bar-1.0.dist-info/RECORD': 'foo_bar/__init__.py,sha256=x,1\n',
      '/app/requirements.txt': 'foo.bar==1.0\nbaz>=2\n',
    });
    const pkgs = await runCatalogers(fs, [pythonCataloger]);
    expect(pkgs).toHaveLength(1);
    expect(pkgs[0]?.purl).toBe('pkg:pypi/foo-bar@1.0');
    expect(pkgs[0]?.licenses).toEqual(['MIT']);
    expect(pkgs[0]?.metadata?.files).toEqual(['foo_bar/__init__.py']);
    expect(pkgs[0]?.metadata?.declaredBy).toContain('/app/requirements.txt');
  });
});
