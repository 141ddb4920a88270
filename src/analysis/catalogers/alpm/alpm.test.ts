import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../../test/helpers/shared.js';
import { fsFromMap } from '../_lang-testkit.js';
import { checkFixture, fixtureDirs, runOsCataloger } from '../_os-testkit.js';
import { alpmCataloger } from './alpm.js';

describe.skipIf(!hasShared('fixtures', 'alpm'))('alpm cataloger on the shared fixtures', () => {
  const root = sharedPath('fixtures', 'alpm');
  for (const dir of fixtureDirs(root)) it(`matches ${dir}`, () => checkFixture(alpmCataloger, join(root, dir)));
});

describe('alpm cataloger details', () => {
  it('reads desc and files, resolves provides and reports a corrupt desc', async () => {
    const fs = fsFromMap({
      '/var/lib/pacman/local/curl-8.8.0-1/desc': '%NAME%\ncurl\n\n%VERSION%\n8.8.0-1\n\n%BASE%\ncurl\n\n%ARCH%\nx86_64\n\n%LICENSE%\nMIT\n\n%DEPENDS%\nlibssl.so=3-64\nglibc\n\n',
      '/var/lib/pacman/local/curl-8.8.0-1/files': '%FILES%\nusr/\nusr/bin/\nusr/bin/curl\n\n',
      '/var/lib/pacman/local/openssl-3.3.0-1/desc': '%NAME%\nopenssl\n\n%VERSION%\n3.3.0-1\n\n%PROVIDES%\nlibssl.so=3-64\n\n',
      '/var/lib/pacman/local/glibc-2.39-1/desc': '%NAME%\nglibc\n\n%VERSION%\n2.39-1\n\n',
      '/var/lib/pacman/local/bad-1-1/desc': '%NME%\nbad\n',
    });
    const { packages, issues } = await runOsCataloger(alpmCataloger, fs, { id: 'arch', ecosystem: 'Arch Linux' });
    const curl = packages.find((p) => p.name === 'curl');
    expect(curl?.purl).toBe('pkg:alpm/arch/curl@8.8.0-1?arch=x86_64&distro=arch');
    expect(curl?.licenses).toEqual(['MIT']);
    expect(curl?.metadata?.dependsOn).toEqual(['glibc', 'openssl']);
    expect(curl?.metadata?.files).toEqual(['/usr/bin/curl']);
    expect(packages).toHaveLength(3);
    expect(issues?.[0]?.path).toBe('/var/lib/pacman/local/bad-1-1/desc');
  });
});
