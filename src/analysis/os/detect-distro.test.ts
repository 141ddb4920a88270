import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../test/helpers/shared.js';
import { fsFromDir, fsFromMap } from '../catalogers/_lang-testkit.js';
import { detectDistro, osFileSelector } from './detect-distro.js';
import { parseOsRelease } from './os-release.js';

interface SyftRelease {
  ID?: string;
  VersionID?: string;
  VersionCodename?: string;
  Name?: string;
  PrettyName?: string;
  Version?: string;
  CPEName?: string;
  IDLike?: string[];
}

describe.skipIf(!hasShared('fixtures', 'os-release'))('detectDistro on the shared os-release fixtures', () => {
  const root = sharedPath('fixtures', 'os-release');
  const dirs = readdirSync(root).sort();

  for (const dir of dirs.filter((d) => d.startsWith('syft-'))) {
    it(`identifies ${dir}`, async () => {
      const expected = JSON.parse(readFileSync(join(root, dir, 'expected.json'), 'utf8')) as { release: SyftRelease | null };
      const got = await detectDistro(fsFromDir(join(root, dir)));
      if (expected.release === null) {
        expect(got).toBeUndefined();
        return;
      }
      const r = expected.release;
      expect(got).toBeDefined();
      if (r.ID !== undefined) expect(got?.id).toBe(r.ID);
      expect(got?.versionId).toBe(r.VersionID);
      expect(got?.versionCodename).toBe(r.VersionCodename);
      expect(got?.name).toBe(r.Name);
      expect(got?.prettyName).toBe(r.PrettyName);
      expect(got?.version).toBe(r.Version);
      expect(got?.cpeName).toBe(r.CPEName);
      expect(got?.idLike).toEqual(r.IDLike);
    });
  }

  for (const dir of dirs.filter((d) => d.startsWith('claircore-'))) {
    it(`parses ${dir} like claircore`, async () => {
      const expected = JSON.parse(readFileSync(join(root, dir, 'expected.json'), 'utf8')) as {
        parsed_os_release?: Record<string, string>;
        distribution?: Record<string, string>;
      };
      const path = ['etc/os-release', 'usr/lib/os-release'].find((p) => {
        try {
          readFileSync(join(root, dir, p));
          return true;
        } catch {
          return false;
        }
      });
      expect(path).toBeDefined();
      if (expected.parsed_os_release) {
        expect(Object.fromEntries(parseOsRelease(readFileSync(join(root, dir, path ?? ''), 'utf8')))).toEqual(expected.parsed_os_release);
      }
      const d = expected.distribution;
      if (!d) return;
      const got = await detectDistro(fsFromDir(join(root, dir)));
      expect(got?.id).toBe(d.did);
      expect(got?.name).toBe(d.name);
      // claircore derives its own pretty_name (e.g. "Fedora" for PRETTY_NAME "Fedora 30 (Container Image)"),
      // so only the os-release fields themselves are compared.
      expect(got?.version).toBe(d.version);
      expect(got?.versionId).toBe(d.version_id);
      expect(got?.versionCodename).toBe(d.version_code_name);
      expect(got?.cpeName).toBe(d.cpe);
    });
  }
});

const osRelease = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `${k}="${v}"`)
    .join('\n');

describe('detectDistro ecosystems and fallbacks', () => {
  const cases: [string, Record<string, string>, string | undefined][] = [
    ['debian 12', { ID: 'debian', VERSION_ID: '12', VERSION_CODENAME: 'bookworm' }, 'Debian:12'],
    ['ubuntu 22.04', { ID: 'ubuntu', VERSION_ID: '22.04', ID_LIKE: 'debian' }, 'Ubuntu:22.04'],
    ['alpine 3.20.3', { ID: 'alpine', VERSION_ID: '3.20.3' }, 'Alpine:v3.20'],
    ['rocky 9.3', { ID: 'rocky', VERSION_ID: '9.3' }, 'Rocky Linux:9'],
    ['alma 8.10', { ID: 'almalinux', VERSION_ID: '8.10' }, 'AlmaLinux:8'],
    ['rhel 9.4', { ID: 'rhel', VERSION_ID: '9.4' }, 'Red Hat:9'],
    ['amazon 2023', { ID: 'amzn', VERSION_ID: '2023' }, 'Amazon Linux:2023'],
    ['leap 15.5', { ID: 'opensuse-leap', VERSION_ID: '15.5' }, 'openSUSE:Leap 15.5'],
    ['sles 15.5', { ID: 'sles', VERSION_ID: '15.5' }, 'SUSE:Linux Enterprise Server 15 SP5'],
    ['wolfi', { ID: 'wolfi', VERSION_ID: '20230201' }, 'Wolfi'],
    ['chainguard', { ID: 'chainguard' }, 'Chainguard'],
    ['arch', { ID: 'arch', BUILD_ID: 'rolling' }, 'Arch Linux'],
    ['photon 5.0', { ID: 'photon', VERSION_ID: '5.0' }, 'Photon OS:5.0'],
    ['unknown distro', { ID: 'my-distro', VERSION_ID: '1' }, undefined],
    ['debian without a version', { ID: 'debian' }, undefined],
  ];
  for (const [name, fields, ecosystem] of cases) {
    it(`maps ${name} to ${ecosystem ?? 'no ecosystem'}`, async () => {
      const d = await detectDistro(fsFromMap({ '/etc/os-release': osRelease(fields) }));
      expect(d?.ecosystem).toBe(ecosystem);
    });
  }

  it('takes the Debian release from the codename when VERSION_ID is missing (testing images)', async () => {
    const d = await detectDistro(fsFromMap({ '/etc/os-release': osRelease({ ID: 'debian', VERSION_CODENAME: 'trixie' }), '/etc/debian_version': 'trixie/sid\n' }));
    expect(d).toMatchObject({ id: 'debian', versionId: '13', ecosystem: 'Debian:13' });
  });

  it('recognizes distroless Debian from dpkg status.d and the +debNuM versions in it', async () => {
    const status = (pkg: string, version: string) => `Package: ${pkg}\nStatus: install ok installed\nVersion: ${version}\n`;
    const d = await detectDistro(
      fsFromMap({
        '/var/lib/dpkg/status.d/libc6': status('libc6', '2.36-9+deb12u7'),
        '/var/lib/dpkg/status.d/libc6.md5sums': 'abc  usr/lib/x.so\n',
        '/var/lib/dpkg/status.d/tzdata': status('tzdata', '2024a-0+deb12u1'),
        '/var/lib/dpkg/status.d/base-files': status('base-files', '12.4+deb12u5'),
      }),
    );
    expect(d).toMatchObject({ id: 'debian', versionId: '12', ecosystem: 'Debian:12' });
  });

  it('reads alpine-release and lsb-release when os-release is missing', async () => {
    expect(await detectDistro(fsFromMap({ '/etc/alpine-release': '3.18.4\n' }))).toMatchObject({ id: 'alpine', ecosystem: 'Alpine:v3.18' });
    expect(
      await detectDistro(fsFromMap({ '/etc/lsb-release': 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=20.04\nDISTRIB_CODENAME=focal\n' })),
    ).toMatchObject({ id: 'ubuntu', versionId: '20.04', ecosystem: 'Ubuntu:20.04' });
  });

  it('returns undefined for a scratch image and survives garbage', async () => {
    expect(await detectDistro(fsFromMap({ '/app/server': 'binary' }))).toBeUndefined();
    const junk = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256));
    expect(await detectDistro(fsFromMap({ '/etc/os-release': junk }))).toBeUndefined();
  });

  it('selects only the files it reads, with size caps', () => {
    expect(osFileSelector({ path: '/etc/os-release', size: 500, mode: 0o644 })).toBe(true);
    expect(osFileSelector({ path: '/etc/os-release', size: 10_000_000, mode: 0o644 })).toBe(false);
    expect(osFileSelector({ path: '/var/lib/dpkg/status.d/libc6', size: 900, mode: 0o644 })).toBe(true);
    expect(osFileSelector({ path: '/var/lib/dpkg/status.d/libc6.md5sums', size: 900, mode: 0o644 })).toBe(false);
    expect(osFileSelector({ path: '/usr/bin/env', size: 900, mode: 0o755 })).toBe(false);
  });
});
