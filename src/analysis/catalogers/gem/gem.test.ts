/** Scores the gem cataloger against the shared gem fixtures (read in place). */
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../../test/helpers/shared.js';
import { type Expected, scoreFixtures, summarize } from '../_lang-testkit.js';
import type { Package } from '../../../model/package.js';
import { gemCataloger } from './gem.js';

describe.skipIf(!hasShared('fixtures', 'gem'))('gem fixtures', () => {
  it('reaches 98% recall and precision of (name, version)', async () => {
    // Dev-only entries count only where the peer's expectation lists dev entries itself.
    const counts = (p: Package, exp: Expected): boolean => p.metadata?.dev !== true || exp.packages.some((e) => e.dev === true);
    const s = summarize('gem', await scoreFixtures(sharedPath('fixtures', 'gem'), [gemCataloger], { counts }));
    console.log(s.table);
    expect(s.recall).toBeGreaterThanOrEqual(0.98);
    expect(s.precision).toBeGreaterThanOrEqual(0.98);
  });
});
