/** Scores the npm cataloger against the shared npm fixtures and checks merge/dev rules on hand-made trees. */
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../../test/helpers/shared.js';
import { type Expected, fsFromMap, runCatalogers, scoreFixtures, summarize } from '../_lang-testkit.js';
import { npmCataloger } from './npm.js';
import type { Package } from '../../../model/package.js';

describe.skipIf(!hasShared('fixtures', 'npm'))('npm fixtures', () => {
  it('reaches 98% recall and precision of (name, version)', async () => {
    // We keep dev-only lockfile entries (marked dev) and the project root. Peers differ: dev entries count
    // only where the expectation itself lists some (marked dev); trivy leaves the project root out.
    // syft's pnpm parser ignores the dev flag, so its pnpm expectations include dev entries.
    const counts = (p: Package, exp: Expected): boolean =>
      (p.metadata?.dev !== true ||
        exp.packages.some((e) => e.dev === true) ||
        (exp.source?.repo === 'anchore/syft' && p.metadata.lockfile === 'pnpm-lock.yaml')) &&
      (exp.source?.repo !== 'aquasecurity/trivy' || p.metadata?.projectRoot !== true);
    const scores = await scoreFixtures(sharedPath('fixtures', 'npm'), [npmCataloger], { counts });
    const s = summarize('npm', scores);
    console.log(s.table);
    expect(s.recall).toBeGreaterThanOrEqual(0.98);
    expect(s.precision).toBeGreaterThanOrEqual(0.98);
  });
});

describe('npm merge rules', () => {
  it('prefers installed metadata and keeps dev marks from the lockfile only', async () => {
    const fs = fsFromMap({
      '/app/package-lock.json': JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { name: 'app', version: '1.0.0' },
          'node_modules/@s/a': { version: '2.0.0', dev: true },
          'node_modules/b': { version: '3.0.0', dev: true },
        },
      }),
      '/app/node_modules/@s/a/package.json': JSON.stringify({ name: '@s/a', version: '2.0.0', license: 'MIT' }),
    });
    const pkgs = await runCatalogers(fs, [npmCataloger]);
    const a = pkgs.find((p) => p.name === '@s/a');
    expect(a?.purl).toBe('pkg:npm/%40s/a@2.0.0');
    expect(a?.licenses).toEqual(['MIT']);
    expect(a?.metadata?.evidence).toBe('installed');
    expect(a?.metadata?.declaredBy).toEqual(expect.arrayContaining(['/app/package-lock.json', '/app/node_modules/@s/a/package.json']));
    expect(pkgs.find((p) => p.name === 'b')?.metadata?.dev).toBe(true);
    expect(pkgs).toHaveLength(3);
  });

  it('counts only package manifests directly under node_modules, not fixtures or lockfiles inside packages', async () => {
    const manifest = (name: string, version: string) => JSON.stringify({ name, version });
    const fs = fsFromMap({
      '/app/package.json': manifest('app', '1.0.0'),
      '/app/node_modules/resolve/package.json': manifest('resolve', '1.22.8'),
      '/app/node_modules/resolve/test/resolver/multirepo/package.json': manifest('ljharb-monorepo-symlink-test', '0.0.0'),
      '/app/node_modules/@parcel/package-manager/package.json': manifest('@parcel/package-manager', '2.8.3'),
      '/app/node_modules/@parcel/package-manager/test/fixtures/packages/foo-2.0/package.json': manifest('foo', '2.0.0'),
      '/app/node_modules/@bcoe/v8-coverage/dist/lib/package.json': manifest('@bcoe/v8-coverage', '0.2.3'),
      '/app/node_modules/better-opn/yarn.lock': 'open@^7.0.3:\n  version "7.4.2"\n',
      '/app/node_modules/.pnpm/ms@2.0.0/node_modules/ms/package.json': manifest('ms', '2.0.0'),
    });
    const pkgs = await runCatalogers(fs, [npmCataloger]);
    expect(pkgs.map((p) => `${p.name}@${p.version}`).sort()).toEqual(['@parcel/package-manager@2.8.3', 'app@1.0.0', 'ms@2.0.0', 'resolve@1.22.8']);
  });

  it('drops optional lockfile entries npm did not install beside an installed tree, keeps them for a lockfile alone', async () => {
    const lock = JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'app', version: '1.0.0' },
        'node_modules/next': { version: '14.0.4' },
        'node_modules/@next/swc-darwin-arm64': { version: '14.0.4', optional: true, os: ['darwin'], cpu: ['arm64'] },
      },
    });
    const fs = fsFromMap({
      '/app/package-lock.json': lock,
      '/app/node_modules/next/package.json': JSON.stringify({ name: 'next', version: '14.0.4' }),
      '/src/package-lock.json': lock,
    });
    const pkgs = await runCatalogers(fs, [npmCataloger]);
    const swc = pkgs.find((p) => p.name === '@next/swc-darwin-arm64');
    expect(swc?.locations.map((l) => l.path)).toEqual(['/src/package-lock.json']);
    expect(pkgs.find((p) => p.name === 'next')?.locations.map((l) => l.path).sort()).toEqual(['/app/node_modules/next/package.json', '/app/package-lock.json', '/src/package-lock.json']);
  });

  it('reports malformed input as an issue instead of throwing', async () => {
    const res = await npmCataloger.catalog({
      ...(await import('../_lang-testkit.js')).ctxFor(fsFromMap({ '/x/package-lock.json': '{nope' })),
    });
    expect(res.issues?.[0]?.message).toMatch(/malformed/);
  });
});
