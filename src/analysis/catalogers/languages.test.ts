/**
 * Runs every language cataloger together over syft's mixed package-coverage root filesystem (read in
 * place) and checks recall per ecosystem; that expectation is partial, so precision is not scored here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../test/helpers/shared.js';
import { fsFromDir, runCatalogers } from './_lang-testkit.js';
import { languageCatalogers } from './languages.js';
import { normalizePyName } from './python/python.js';
import type { Cataloger } from '../cataloger.js';

const root = ['fixtures', 'mixed', 'syft-pkg-coverage-subset'] as const;
const languageKeys = new Set(['cargo', 'nuget', 'pypi', 'gem', 'composer', 'github-actions', 'npm', 'golang', 'jenkins', 'maven']);

describe.skipIf(!hasShared(...root))('all language catalogers on a mixed root filesystem', () => {
  it('finds at least 98% of the expected language packages', async () => {
    const exp = JSON.parse(readFileSync(sharedPath(...root, 'expected.json'), 'utf8')) as {
      expected_by_ecosystem: Record<string, { name: string; version: string }[]>;
    };
    const union: Cataloger = { ...languageCatalogers[0]!, selects: (e) => languageCatalogers.some((c) => c.selects(e)) };
    const fs = fsFromDir(sharedPath(...root, 'rootfs'), union);
    const pkgs = await runCatalogers(fs, languageCatalogers);
    const same = (a: string, b: string): boolean => a === b || a.endsWith(`:${b}`) || normalizePyName(a) === normalizePyName(b);
    let want = 0;
    let hit = 0;
    const missing: string[] = [];
    for (const [eco, list] of Object.entries(exp.expected_by_ecosystem)) {
      if (!languageKeys.has(eco)) continue;
      for (const e of list) {
        want++;
        if (pkgs.some((p) => same(p.name, e.name) && p.version === e.version)) hit++;
        else missing.push(`${eco}:${e.name}@${e.version}`);
      }
    }
    console.log(`mixed: ${hit}/${want} expected language packages found; missing: ${missing.join(' ') || 'none'}`);
    expect(hit / want).toBeGreaterThanOrEqual(0.98);
  });
});
