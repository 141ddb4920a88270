/**
 * Finds the operating system of an image from its files: os-release first (refined by
 * /etc/debian_version's point release), then the distribution-specific files older or minimal
 * images carry instead (redhat-release, system-release-cpe, lsb-release, alpine-release,
 * arch-release), BusyBox's version string, and distroless Debian (dpkg status.d, no os-release).
 * A scratch image yields undefined. The result carries the OSV ecosystem its packages match in.
 */
import type { FileEntryInfo, ImageFs } from '../cataloger.js';
import type { Distro } from '../../model/distro.js';
import { osvEcosystemFor } from './ecosystem.js';
import { OS_RELEASE_MAX_BYTES, parseOsRelease } from './os-release.js';

const SMALL_FILES = new Set([
  '/etc/os-release',
  '/usr/lib/os-release',
  '/etc/debian_version',
  '/etc/lsb-release',
  '/etc/alpine-release',
  '/etc/redhat-release',
  '/etc/centos-release',
  '/etc/system-release',
  '/etc/system-release-cpe',
  '/etc/arch-release',
]);
const BUSYBOX = '/bin/busybox';
const BUSYBOX_MAX_BYTES = 4 * 1024 * 1024;
const DPKG_STATUS_D = '/var/lib/dpkg/status.d/';

/** The files detection reads; the engine keeps them while layers stream by. */
export function osFileSelector(entry: FileEntryInfo): boolean {
  if (SMALL_FILES.has(entry.path)) return entry.size <= OS_RELEASE_MAX_BYTES;
  if (entry.path === BUSYBOX) return entry.size <= BUSYBOX_MAX_BYTES;
  return entry.path.startsWith(DPKG_STATUS_D) && !entry.path.endsWith('.md5sums') && entry.size <= OS_RELEASE_MAX_BYTES;
}

const DEBIAN_CODENAMES: Readonly<Record<string, string>> = {
  buzz: '1.1', rex: '1.2', bo: '1.3', hamm: '2.0', slink: '2.1', potato: '2.2', woody: '3.0', sarge: '3.1',
  etch: '4', lenny: '5', squeeze: '6', wheezy: '7', jessie: '8', stretch: '9', buster: '10', bullseye: '11',
  bookworm: '12', trixie: '13', forky: '14', duke: '15',
};

type MutableDistro = { -readonly [K in keyof Distro]: Distro[K] };

async function text(fs: ImageFs, path: string): Promise<string | undefined> {
  const file = fs.get(path);
  if (!file || file.size > OS_RELEASE_MAX_BYTES) return undefined;
  return file.text();
}

function words(value: string | undefined): string[] | undefined {
  const list = value?.toLowerCase().split(/\s+/).filter((w) => w !== '');
  return list && list.length > 0 ? list : undefined;
}

function fromOsRelease(fields: Map<string, string>): MutableDistro | undefined {
  const idLike = words(fields.get('ID_LIKE'));
  const id = fields.get('ID')?.toLowerCase() ?? idLike?.[0];
  if (id === undefined && !fields.has('NAME')) return undefined;
  const d: MutableDistro = { id: id ?? '' };
  const set = (key: keyof MutableDistro, field: string) => {
    const v = fields.get(field);
    if (v !== undefined && v !== '') (d as Record<string, unknown>)[key] = v;
  };
  set('name', 'NAME');
  set('prettyName', 'PRETTY_NAME');
  set('version', 'VERSION');
  set('versionId', 'VERSION_ID');
  set('versionCodename', 'VERSION_CODENAME');
  set('cpeName', 'CPE_NAME');
  if (idLike) d.idLike = idLike;
  return d;
}

/** `cpe:/o:vendor:product:version[:…]` (CPE 2.2 URI) as written in system-release-cpe. */
function fromCpe(raw: string): MutableDistro | undefined {
  const cpe = raw.trim();
  const parts = cpe.split(':');
  if (parts[0] !== 'cpe' || parts[1] !== '/o' || parts.length < 5) return undefined;
  const vendor = parts[2]?.toLowerCase();
  const version = parts[4];
  if (!vendor || !version || !/^\d/.test(version)) return undefined;
  const id = vendor === 'redhat' ? 'rhel' : vendor;
  return { id, name: vendor, prettyName: vendor, version, versionId: version, cpeName: cpe, idLike: [id] };
}

const RELEASE_NAMES: readonly (readonly [RegExp, string])[] = [
  [/^red hat enterprise linux/i, 'rhel'],
  [/^centos stream/i, 'centos'],
  [/^centos/i, 'centos'],
  [/^almalinux/i, 'almalinux'],
  [/^rocky linux/i, 'rocky'],
  [/^scientific linux/i, 'scientific'],
  [/^oracle linux/i, 'ol'],
  [/^fedora/i, 'fedora'],
  [/^amazon linux/i, 'amzn'],
];

/** "<Name> release <version> (<codename>)" as in /etc/redhat-release and its relatives. */
function fromRedhatRelease(raw: string): MutableDistro | undefined {
  const line = raw.split(/\r?\n/)[0]?.trim() ?? '';
  const m = /^(.+?) release ([\d.]+)\s*(?:\((.+)\))?/.exec(line);
  if (!m?.[1] || !m[2]) return undefined;
  const name = m[1].trim();
  const id = RELEASE_NAMES.find(([re]) => re.test(name))?.[1] ?? name.toLowerCase().replace(/\s+/g, '-');
  // "(Final)" is CentOS's release marker, not a codename.
  const codename = m[3] && m[3] !== 'Final' ? m[3] : undefined;
  return {
    id,
    name,
    prettyName: line,
    version: codename ? `${m[2]} (${codename})` : m[2],
    versionId: m[2],
    idLike: id === 'rhel' ? ['rhel'] : [id, 'rhel'],
  };
}

function fromLsbRelease(raw: string): MutableDistro | undefined {
  const fields = parseOsRelease(raw);
  const id = fields.get('DISTRIB_ID')?.toLowerCase();
  if (!id) return undefined;
  const d: MutableDistro = { id };
  const release = fields.get('DISTRIB_RELEASE');
  const codename = fields.get('DISTRIB_CODENAME');
  const description = fields.get('DISTRIB_DESCRIPTION');
  if (release) d.versionId = release;
  if (codename) d.versionCodename = codename;
  if (description) d.prettyName = description;
  return d;
}

async function fromBusybox(fs: ImageFs): Promise<MutableDistro | undefined> {
  const file = fs.get(BUSYBOX);
  if (!file || file.size > BUSYBOX_MAX_BYTES) return undefined;
  const bytes = await file.bytes();
  const m = /BusyBox v(\d+(?:\.\d+)+)/.exec(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
  if (!m?.[1]) return undefined;
  return { id: 'busybox', name: 'busybox', prettyName: `BusyBox v${m[1]}`, version: m[1], versionId: m[1], idLike: ['busybox'] };
}

/** Distroless images have dpkg status.d entries but no os-release: Debian, release from versions like `+deb12u4`. */
async function fromDistroless(fs: ImageFs): Promise<MutableDistro | undefined> {
  let found = false;
  const releases = new Map<string, number>();
  let read = 0;
  for (const file of fs.files()) {
    if (!file.path.startsWith(DPKG_STATUS_D) || file.path.endsWith('.md5sums')) continue;
    found = true;
    if (read++ >= 64) break;
    for (const m of (await file.text()).matchAll(/^Version:.*?[+~]deb(\d+)u\d+/gm)) {
      if (m[1]) releases.set(m[1], (releases.get(m[1]) ?? 0) + 1);
    }
  }
  if (!found) return undefined;
  const best = [...releases.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  return { id: 'debian', name: 'Debian GNU/Linux', ...(best ? { versionId: best } : {}) };
}

/** Debian's VERSION_ID is the major release; /etc/debian_version has the point release (12.5). */
function refineDebian(d: MutableDistro, debianVersion: string | undefined): void {
  const point = debianVersion?.trim();
  if (point && /^\d+(\.\d+)*$/.test(point)) {
    const major = point.split('.')[0];
    if (d.versionId === undefined || d.versionId === major) d.versionId = point;
    d.version ??= point;
  } else if (d.versionId === undefined && d.versionCodename && DEBIAN_CODENAMES[d.versionCodename]) {
    d.versionId = DEBIAN_CODENAMES[d.versionCodename];
  }
}

export async function detectDistro(fs: ImageFs): Promise<Distro | undefined> {
  let distro: MutableDistro | undefined;
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    const raw = await text(fs, path);
    if (raw === undefined) continue;
    const fields = parseOsRelease(raw);
    distro = fields.size > 0 ? fromOsRelease(fields) : fromCpe(raw);
    if (distro) break;
  }
  if (!distro) {
    const cpe = await text(fs, '/etc/system-release-cpe');
    if (cpe !== undefined) distro = fromCpe(cpe);
  }
  if (!distro) {
    for (const path of ['/etc/redhat-release', '/etc/centos-release', '/etc/system-release']) {
      const raw = await text(fs, path);
      if (raw !== undefined) distro = fromRedhatRelease(raw);
      if (distro) break;
    }
  }
  if (!distro) {
    const lsb = await text(fs, '/etc/lsb-release');
    if (lsb !== undefined) distro = fromLsbRelease(lsb);
  }
  if (!distro) {
    const alpine = (await text(fs, '/etc/alpine-release'))?.trim();
    if (alpine) distro = { id: 'alpine', name: 'Alpine Linux', versionId: alpine };
  }
  if (!distro && fs.get('/etc/arch-release')) distro = { id: 'arch', name: 'Arch Linux' };
  if (!distro) distro = await fromDistroless(fs);
  if (!distro) distro = await fromBusybox(fs);
  if (!distro) return undefined;
  if (distro.id === 'debian') refineDebian(distro, await text(fs, '/etc/debian_version'));
  const ecosystem = osvEcosystemFor(distro);
  if (ecosystem !== undefined) distro.ecosystem = ecosystem;
  return distro;
}
