/** Scores the GitHub packages cataloger on the shared GitHub Actions fixtures and checks env runtimes. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../../test/helpers/shared.js';
import { findTool } from '../../../../test/helpers/tools.js';
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

/** Real files of runtimes installed on this machine, placed where an image's hand install puts them. */
function realFile(path: string): Uint8Array | undefined {
  try {
    return readFileSync(realpathSync(path));
  } catch {
    return undefined;
  }
}

describe('runtimes recognized by the files that state their version', () => {
  it('reads headers, JDK release files, go/VERSION and rustup manifests, and keeps distro copies out', async () => {
    const files: Record<string, Uint8Array | string> = {
      '/usr/local/include/php/main/php_version.h': '#define PHP_MAJOR_VERSION 8\n#define PHP_VERSION "8.3.2"\n#define PHP_VERSION_ID 80302\n',
      '/usr/local/include/node/node_version.h': '#define NODE_MAJOR_VERSION 20\n#define NODE_MINOR_VERSION 11\n#define NODE_PATCH_VERSION 1\n',
      // The same runtimes in the distro's own locations belong to dpkg/apk/rpm.
      '/usr/include/php/main/php_version.h': '#define PHP_VERSION "8.2.7"\n',
      '/usr/lib/jvm/java-17-openjdk-amd64/release': 'IMPLEMENTOR="Debian"\nJAVA_VERSION="17.0.15"\n',
      '/opt/java/openjdk/release': 'IMPLEMENTOR="Eclipse Adoptium"\nJAVA_VERSION="21.0.2"\nJAVA_RUNTIME_VERSION="21.0.2+13-LTS"\n',
      '/usr/local/go/VERSION': 'go1.22.1\ntime 2024-02-29T18:18:41Z\n',
      '/usr/lib/go-1.19/VERSION': 'go1.19.8',
    };
    const fs = fsFromMap(files);
    const res = await githubCataloger.catalog(ctxFor(fs, { PHP_VERSION: '8.3.2', JAVA_VERSION: 'jdk-21.0.2+13' }));
    expect(res.packages.map((p) => p.purl).sort()).toEqual([
      'pkg:github/golang/go@1.22.1',
      'pkg:github/nodejs/node@20.11.1',
      'pkg:github/openjdk/jdk@21.0.2',
      'pkg:github/php/php-src@8.3.2',
    ]);
    expect(res.packages.find((p) => p.name === 'openjdk/jdk')?.locations[0]?.path).toBe('/opt/java/openjdk/release');
  });

  // Real builds on this machine: pyenv's CPython, a vendor JDK unpacked under /usr/lib/jvm, Debian's libruby.
  const pyenvRoot = join(homedir(), '.pyenv', 'versions');
  const pyenvVersion = existsSync(pyenvRoot) ? readdirSync(pyenvRoot).find((v) => /^\d+\.\d+\.\d+$/.test(v)) : undefined;
  const pythonInclude = pyenvVersion && `python${pyenvVersion.split('.').slice(0, 2).join('.')}`;
  const pythonHeader = pythonInclude && realFile(join(pyenvRoot, pyenvVersion, 'include', pythonInclude, 'patchlevel.h'));
  const jdkHome = existsSync('/usr/lib/jvm')
    ? readdirSync('/usr/lib/jvm')
        .map((d) => join('/usr/lib/jvm', d))
        .find((d) => existsSync(join(d, 'bin', 'java')) && !/IMPLEMENTOR="Debian"/.test(realFile(join(d, 'release'))?.toString() ?? 'IMPLEMENTOR="Debian"'))
    : undefined;
  const debianJdk = realFile('/usr/lib/jvm/java-17-openjdk-amd64/release');
  const ruby = findTool('ruby');
  // Debian keeps libruby in the multiarch directory (archlibdir), a source build in libdir.
  const libruby =
    ruby &&
    execFileSync(ruby, ['-e', 'c = RbConfig::CONFIG; print [c["archlibdir"], c["libdir"]].map { |d| File.join(d, c["LIBRUBY_SO"]) }.find { |p| File.exist?(p) }'], {
      encoding: 'utf8',
    });
  const librubyBytes = libruby ? realFile(libruby) : undefined;
  it.skipIf(!pythonHeader || !jdkHome || !debianJdk || !librubyBytes)(
    'recognizes real CPython, vendor JDK and Ruby builds of this machine (needs pyenv, a vendor JDK in /usr/lib/jvm, Debian openjdk-17 and ruby)',
    async () => {
      const fs = fsFromMap(
        {
          [`/usr/local/include/${pythonInclude}/patchlevel.h`]: pythonHeader as Uint8Array,
          '/opt/java/openjdk/release': realFile(join(jdkHome as string, 'release')) as Uint8Array,
          '/usr/local/openjdk-17/release': debianJdk as Uint8Array,
          '/usr/local/lib/libruby.so.3': librubyBytes as Uint8Array,
          '/usr/lib/x86_64-linux-gnu/libruby.so.3': librubyBytes as Uint8Array,
        },
        0o755,
      );
      const res = await githubCataloger.catalog(ctxFor(fs));
      // `java -version` prints to stderr: openjdk version "25.0.3" 2026-04-21 LTS
      const jdk = /version "([\d.]+)/.exec(spawnSync(join(jdkHome as string, 'bin', 'java'), ['-version'], { encoding: 'utf8' }).stderr)?.[1];
      const rubyVersion = execFileSync(ruby as string, ['-e', 'print RUBY_VERSION'], { encoding: 'utf8' });
      expect(res.packages.map((p) => p.purl).sort()).toEqual([
        `pkg:github/openjdk/jdk@${jdk}`,
        `pkg:github/python/cpython@${pyenvVersion}`,
        `pkg:github/ruby/ruby@${rubyVersion}`,
      ]);
    },
  );

  const rustManifests = (() => {
    try {
      const root = join(homedir(), '.rustup', 'toolchains');
      return readdirSync(root)
        .map((t) => join(root, t, 'lib', 'rustlib', 'multirust-channel-manifest.toml'))
        .filter((p) => existsSync(p));
    } catch {
      return [];
    }
  })();
  it.skipIf(rustManifests.length === 0 || !findTool('rustc'))('lists every rustup toolchain by its rustc version (needs rustup)', async () => {
    const files: Record<string, Uint8Array> = {};
    rustManifests.forEach((p, i) => (files[`/usr/local/rustup/toolchains/t${i}/lib/rustlib/multirust-channel-manifest.toml`] = readFileSync(p)));
    const res = await githubCataloger.catalog(ctxFor(fsFromMap(files)));
    const rustc = execFileSync(findTool('rustc') as string, ['--version'], { encoding: 'utf8' }).split(' ')[1];
    expect(res.packages.map((p) => p.purl)).toContain(`pkg:github/rust-lang/rust@${rustc}`);
    expect(res.packages.every((p) => /^pkg:github\/rust-lang\/rust@\d+\.\d+\.\d+/.test(p.purl))).toBe(true);
  });
});
