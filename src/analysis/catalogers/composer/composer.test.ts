/** Scores the composer cataloger against the shared composer fixtures (read in place). */
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../../test/helpers/shared.js';
import { type Expected, scoreFixtures, summarize } from '../_lang-testkit.js';
import type { Package } from '../../../model/package.js';
import { composerCataloger } from './composer.js';

describe.skipIf(!hasShared('fixtures', 'composer'))('composer fixtures', () => {
  it('reaches 98% recall and precision of (name, version)', async () => {
    // Dev-only entries count only where the peer's expectation lists dev entries itself.
    const counts = (p: Package, exp: Expected): boolean => p.metadata?.dev !== true || exp.packages.some((e) => e.dev === true);
    const s = summarize('composer', await scoreFixtures(sharedPath('fixtures', 'composer'), [composerCataloger], { counts }));
    console.log(s.table);
    expect(s.recall).toBeGreaterThanOrEqual(0.98);
    expect(s.precision).toBeGreaterThanOrEqual(0.98);
  });
});
