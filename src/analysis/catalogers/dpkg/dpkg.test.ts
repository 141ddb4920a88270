import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTool } from '../../../../test/helpers/tools.js';
import { hasShared, sharedPath } from '../../../../test/helpers/shared.js';
import type { CatalogContext, ImageFs } from '../../cataloger.js';
import type { Distro } from '../../../model/distro.js';
import type { Package } from '../../../model/package.js';
import { detectDistro } from '../../os/detect-distro.js';
import { fsFromDir, fsFromMap } from '../_lang-testkit.js';
import { dpkgCataloger } from './dpkg.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };

async function run(fs: ImageFs, distro?: Distro) {
  const ctx = { fs, distro, env: {}, log: silent, signal: new AbortController().signal } as unknown as CatalogContext;
  return dpkgCataloger.catalog(ctx);
}

interface ExpectedPkg {
  name: string;
  version: string;
  purl?: string;
  source?: string;
  source_name?: string;
  source_version?: string;
  full_version?: string;
  arch?: string;
}

/** Documented differences from the peers' parser-level expectations. */
const EXCLUSIONS: Record<string, string[]> = {
  // syft's parser keeps a stanza without Version (its cataloger may drop it); we skip it with an issue, as scalibr does.
  'syft-multiple': ['no-version'],
  // The peer's expectation for this input lists acl, which this status file does not contain (it belongs to another case).
  'scalibr-opkg-transitional': ['acl'],
};

describe.skipIf(!hasShared('fixtures', 'dpkg'))('dpkg cataloger on the shared fixtures', () => {
  const root = sharedPath('fixtures', 'dpkg');
  for (const dir of readdirSync(root).sort()) {
    it(`matches ${dir}`, async () => {
      const expected = JSON.parse(readFileSync(join(root, dir, 'expected.json'), 'utf8')) as {
        complete: boolean;
        packages: ExpectedPkg[];
        dependencies?: Record<string, string[]>;
      };
      const fs = fsFromDir(join(root, dir));
      const distro = await detectDistro(fs);
      const { packages } = await run(fs, distro);
      const byName = new Map<string, Package>(packages.map((p) => [p.name, p]));
      const skipped = EXCLUSIONS[dir] ?? [];
      for (const e of expected.packages.filter((p) => !skipped.includes(p.name))) {
        const got = byName.get(e.name);
        expect(got, `${e.name} missing`).toBeDefined();
        expect(got?.version).toBe(e.full_version ?? e.version);
        if (e.source !== undefined) expect(got?.source?.name).toBe(e.source);
        if (e.source_name !== undefined) expect(got?.source?.name).toBe(e.source_name);
        if (e.source_version !== undefined) {
          const sourceVersion = got?.source?.version?.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
          const expectedUpstream = e.source_version.replace(/^\d+:/, '');
          expect([got?.source?.version, sourceVersion]).toContain(expectedUpstream);
        }
        if (e.arch !== undefined) expect(got?.metadata?.arch).toBe(e.arch);
        if (e.purl !== undefined) expect(got?.purl).toBe(e.purl);
      }
      if (expected.complete) expect(packages.map((p) => p.name).sort()).toEqual(expected.packages.map((p) => p.name).filter((n) => !skipped.includes(n)).sort());
      for (const [pkg, deps] of Object.entries(expected.dependencies ?? {})) {
        expect(byName.get(pkg)?.metadata?.dependsOn ?? [], `dependencies of ${pkg}`).toEqual([...deps].sort());
      }
    });
  }
});

describe('dpkg cataloger details', () => {
  it('reads licences, the file list and the introducing evidence of a package', async () => {
    const fs = fsFromMap({
      '/var/lib/dpkg/status': 'Package: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib (1:1.2.13.dfsg-1)\nVersion: 1:1.2.13.dfsg-1\nDepends: libc6 (>= 2.14)\nDescription: compression library\n',
      '/var/lib/dpkg/info/zlib1g:amd64.list': '/.\n/usr\n/usr/lib/x86_64-linux-gnu/libz.so.1.2.13\n',
      '/usr/share/doc/zlib1g/copyright': 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: Zlib\n',
    });
    const { packages } = await run(fs, { id: 'debian', versionId: '12', ecosystem: 'Debian:12' });
    expect(packages).toHaveLength(1);
    const p = packages[0];
    expect(p?.purl).toBe('pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib%401%3A1.2.13.dfsg-1');
    expect(p?.source).toEqual({ name: 'zlib', version: '1:1.2.13.dfsg-1' });
    expect(p?.licenses).toEqual(['Zlib']);
    expect(p?.ecosystem).toBe('Debian:12');
    expect(p?.locations[0]?.path).toBe('/var/lib/dpkg/info/zlib1g:amd64.list');
    expect(p?.metadata?.files).toEqual(['/usr', '/usr/lib/x86_64-linux-gnu/libz.so.1.2.13']);
  });

  it('skips what is not installed, tolerates CRLF and junk lines, and reports them', async () => {
    const fs = fsFromMap({
      '/var/lib/dpkg/status':
        'Package: a\r\nStatus: install ok installed\r\nVersion: 1\r\n\r\n' +
        'garbage line without colon\n' +
        'Package: b\nStatus: deinstall ok config-files\nVersion: 2\n\n' +
        'Package: c\nStatus: install ok half-installed\nVersion: 3\n\n' +
        'Package: d\nStatus: install ok installed\n\n',
    });
    const { packages, issues } = await run(fs);
    expect(packages.map((p) => p.name)).toEqual(['a']);
    expect(issues?.map((i) => i.message).join('\n')).toMatch(/malformed line/);
    expect(issues?.map((i) => i.message).join('\n')).toMatch(/package d has no Version/);
  });

  it('selects only dpkg evidence', () => {
    const sel = (path: string, size = 100) => dpkgCataloger.selects({ path, size, mode: 0o644 });
    expect(sel('/var/lib/dpkg/status')).toBe(true);
    expect(sel('/var/lib/dpkg/status.d/libc6')).toBe(true);
    expect(sel('/var/lib/dpkg/status.d/libc6.md5sums')).toBe(true);
    expect(sel('/var/lib/dpkg/status.d/libc6.preinst')).toBe(false);
    expect(sel('/var/lib/dpkg/info/libc6:amd64.list')).toBe(true);
    expect(sel('/var/lib/dpkg/info/libc6.postinst')).toBe(false);
    expect(sel('/usr/share/doc/libc6/copyright')).toBe(true);
    expect(sel('/usr/share/doc/libc6/examples/copyright')).toBe(false);
    expect(sel('/var/lib/dpkg/status', 100 * 1024 * 1024)).toBe(false);
  });
});

// The host is a Debian machine: its own dpkg database is a large real input with a reference answer.
const dpkgQuery = findTool('dpkg-query');
describe.skipIf(dpkgQuery === undefined || !existsSync('/var/lib/dpkg/status'))('dpkg cataloger on this machine agrees with dpkg-query', () => {
  it('finds every installed package with its version and source', async () => {
    const files: Record<string, Uint8Array> = { '/var/lib/dpkg/status': readFileSync('/var/lib/dpkg/status') };
    for (const name of readdirSync('/var/lib/dpkg/info')) {
      const path = join('/var/lib/dpkg/info', name);
      if ((name.endsWith('.list') || name.endsWith('.md5sums')) && statSync(path).size < 8 * 1024 * 1024) files[path] = readFileSync(path);
    }
    const { packages } = await run(fsFromMap(files));
    const out = execFileSync(dpkgQuery as string, ['-W', '-f', '${db:Status-Status}\t${Package}\t${Version}\t${source:Package}\t${source:Version}\n'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const want = out
      .split('\n')
      .filter((l) => l.startsWith('installed\t'))
      .map((l) => l.split('\t').slice(1).join(' '))
      .sort();
    const got = packages.map((p) => `${p.name} ${p.version} ${p.source?.name} ${p.source?.version}`).sort();
    expect(want.length).toBeGreaterThan(50);
    expect(got).toEqual(want);
  });
});
