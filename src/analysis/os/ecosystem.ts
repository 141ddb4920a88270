/**
 * The vulnerability-data ecosystem of a detected OS release, in OSV's naming ("Debian:12",
 * "Ubuntu:22.04", "Alpine:v3.20", "Rocky Linux:9", "openSUSE:Leap 15.5", "SUSE:Linux Enterprise Server 15 SP5").
 * OSV suffixes some Ubuntu releases with ":LTS"; the matcher treats "Ubuntu:22.04" and
 * "Ubuntu:22.04:LTS" as one release. Distributions OSV does not cover (Amazon Linux, Arch, CentOS,
 * Fedora, Oracle Linux) get the same "<Name>:<major>" shape for their own feeds.
 */
import type { Distro } from '../../model/distro.js';

function major(version: string | undefined): string | undefined {
  return version?.match(/^\d+/)?.[0];
}

function majorMinor(version: string | undefined): string | undefined {
  return version?.match(/^\d+(?:\.\d+)?/)?.[0];
}

/** `name:version` when the version part is known, else undefined (a release-less ecosystem would over-match). */
function withVersion(name: string, version: string | undefined): string | undefined {
  return version === undefined ? undefined : `${name}:${version}`;
}

export function osvEcosystemFor(d: Distro): string | undefined {
  const v = d.versionId;
  switch (d.id) {
    case 'debian':
      return withVersion('Debian', major(v));
    case 'ubuntu':
      return withVersion('Ubuntu', majorMinor(v));
    case 'alpine': {
      const mm = majorMinor(v);
      return mm === undefined ? undefined : `Alpine:v${mm}`;
    }
    case 'rocky':
      return withVersion('Rocky Linux', major(v));
    case 'almalinux':
      return withVersion('AlmaLinux', major(v));
    case 'rhel':
      return withVersion('Red Hat', major(v));
    case 'centos':
      return withVersion('CentOS', major(v));
    case 'ol':
      return withVersion('Oracle Linux', major(v));
    case 'fedora':
      return withVersion('Fedora', major(v));
    case 'amzn':
      return withVersion('Amazon Linux', major(v));
    case 'opensuse-leap':
      return withVersion('openSUSE', v === undefined ? undefined : `Leap ${majorMinor(v)}`);
    case 'opensuse-tumbleweed':
      return 'openSUSE:Tumbleweed';
    case 'sles':
    case 'sled':
    case 'sle-micro': {
      const m = /^(\d+)(?:\.(\d+))?/.exec(v ?? '');
      if (!m?.[1]) return undefined;
      const product = d.id === 'sled' ? 'Linux Enterprise Desktop' : d.id === 'sle-micro' ? 'Linux Enterprise Micro' : 'Linux Enterprise Server';
      return `SUSE:${product} ${m[1]}${m[2] && m[2] !== '0' ? ` SP${m[2]}` : ''}`;
    }
    case 'photon':
      return withVersion('Photon OS', majorMinor(v));
    case 'mariner':
      return withVersion('Mariner', majorMinor(v));
    case 'azurelinux':
      return withVersion('Azure Linux', majorMinor(v));
    case 'mageia':
      return withVersion('Mageia', major(v));
    case 'openeuler':
      return withVersion('openEuler', v);
    case 'wolfi':
      return 'Wolfi';
    case 'chainguard':
      return 'Chainguard';
    case 'arch':
    case 'archarm':
      return 'Arch Linux';
    default:
      return undefined;
  }
}
