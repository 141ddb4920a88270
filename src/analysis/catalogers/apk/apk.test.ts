import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../../test/helpers/shared.js';
import { fsFromMap } from '../_lang-testkit.js';
import { checkFixture, fixtureDirs, runOsCataloger } from '../_os-testkit.js';
import { apkCataloger } from './apk.js';

describe.skipIf(!hasShared('fixtures', 'apk'))('apk cataloger on the shared fixtures', () => {
  const root = sharedPath('fixtures', 'apk');
  for (const dir of fixtureDirs(root)) it(`matches ${dir}`, () => checkFixture(apkCataloger, join(root, dir)));
});

describe('apk cataloger details', () => {
  const db = [
    'P:musl', 'V:1.2.5-r0', 'A:x86_64', 'L:MIT', 'o:musl', 'p:so:libc.musl-x86_64.so.1=1', 'F:lib', 'R:ld-musl-x86_64.so.1', '',
    'P:libcrypto3', 'V:3.3.1-r0', 'A:x86_64', 'L:Apache-2.0', 'o:openssl', 'D:so:libc.musl-x86_64.so.1', '',
  ].join('\n');

  it('keys packages on their origin, resolves so: dependencies and builds distro purls', async () => {
    const { packages } = await runOsCataloger(apkCataloger, fsFromMap({ '/lib/apk/db/installed': db }), {
      id: 'alpine',
      versionId: '3.20.1',
      ecosystem: 'Alpine:v3.20',
    });
    const crypto = packages.find((p) => p.name === 'libcrypto3');
    expect(crypto?.source).toEqual({ name: 'openssl', version: '3.3.1-r0' });
    expect(crypto?.purl).toBe('pkg:apk/alpine/libcrypto3@3.3.1-r0?arch=x86_64&distro=alpine-3.20.1&upstream=openssl');
    expect(crypto?.ecosystem).toBe('Alpine:v3.20');
    expect(crypto?.metadata?.dependsOn).toEqual(['musl']);
    expect(packages.find((p) => p.name === 'musl')?.metadata?.files).toEqual(['/lib/ld-musl-x86_64.so.1']);
  });

  it('skips records without a version and reports them', async () => {
    const { packages, issues } = await runOsCataloger(apkCataloger, fsFromMap({ '/lib/apk/db/installed': 'P:broken\n\nP:ok\nV:1-r0\n' }));
    expect(packages.map((p) => p.name)).toEqual(['ok']);
    expect(issues?.[0]?.message).toMatch(/without V:/);
  });
});
