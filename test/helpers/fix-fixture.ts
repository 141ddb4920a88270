/**
 * The fix-advice scenario shared by the recommendations API test and the Fix tab UI test: a Debian 12
 * base (dpkg status with openssl's binaries and zlib), a later base tag with a newer openssl, an app
 * image built on the older base adding a PyPI package, and a small OSV advisory set naming them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage, buildLayer, type BuiltImage } from './image-builder.js';

export interface FixScenario {
  readonly baseOld: BuiltImage;
  readonly baseNew: BuiltImage;
  readonly app: BuiltImage;
  /** The app flattened into one layer: no layer in common with any base. */
  readonly squashed: BuiltImage;
}

const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n';

function dpkgStatus(openssl: string, zlib: string): string {
  const stanza = (name: string, version: string, source?: string) =>
    `Package: ${name}\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\n${source ? `Source: ${source}\n` : ''}Version: ${version}\nDescription: ${name}\n`;
  return [stanza('libssl3', openssl, 'openssl'), stanza('openssl', openssl), stanza('zlib1g', zlib, 'zlib'), stanza('bash', '5.2.15-2+b2')].join('\n');
}

const metadata = (name: string, version: string) => `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`;

export async function buildFixScenario(): Promise<FixScenario> {
  const baseFiles = (openssl: string) => ({ 'etc/os-release': OS_RELEASE, 'var/lib/dpkg/status': dpkgStatus(openssl, '1:1.2.13.dfsg-1') });
  const baseLayer = (openssl: string) => buildLayer(baseFiles(openssl));
  const appFiles = { 'usr/lib/python3/site-packages/fixdemo-1.0.dist-info/METADATA': metadata('fixdemo', '1.0') };
  const oldLayer = await baseLayer('3.0.11-1~deb12u2');
  const newLayer = await baseLayer('3.0.15-1~deb12u1');
  const appLayer = await buildLayer(appFiles);
  const squashedLayer = await buildLayer({ ...baseFiles('3.0.11-1~deb12u2'), ...appFiles });
  return {
    baseOld: buildImage({ layers: [oldLayer], history: [{ created_by: 'ADD bookworm-old.tar /' }] }),
    baseNew: buildImage({ layers: [newLayer], history: [{ created_by: 'ADD bookworm-new.tar /' }] }),
    app: buildImage({ layers: [oldLayer, appLayer], history: [{ created_by: 'ADD bookworm-old.tar /' }, { created_by: 'RUN pip install fixdemo==1.0' }] }),
    squashed: buildImage({ layers: [squashedLayer], history: [{ created_by: 'ADD squashed.tar /' }] }),
  };
}

function osv(id: string, ecosystem: string, name: string, severity: string, events: Record<string, string>[]): string {
  return JSON.stringify({
    schema_version: '1.6.0',
    id,
    modified: '2026-01-01T00:00:00Z',
    summary: `${name} test advisory ${id}`,
    affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events }] }],
    database_specific: { severity },
  });
}

/** The advisories as OSV JSON files in `dir` (made if missing); distro records key on the source package. */
export function writeFixAdvisories(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const records: [string, string][] = [
    ['CVE-2099-1001', osv('CVE-2099-1001', 'Debian:12', 'openssl', 'CRITICAL', [{ introduced: '0' }, { fixed: '3.0.13-1~deb12u1' }])],
    // Fixed later on the same line: the upgrade must go to the larger fix (a string order would agree
    // here, so the test's zlib epoch case is the one only a deb comparison gets right).
    ['CVE-2099-1002', osv('CVE-2099-1002', 'Debian:12', 'openssl', 'HIGH', [{ introduced: '0' }, { fixed: '3.0.15-1~deb12u1' }])],
    ['CVE-2099-1003', osv('CVE-2099-1003', 'Debian:12', 'openssl', 'MEDIUM', [{ introduced: '0' }])],
    ['CVE-2099-1004', osv('CVE-2099-1004', 'Debian:12', 'zlib', 'HIGH', [{ introduced: '0' }, { fixed: '1:1.2.13.dfsg-1+deb12u1' }])],
    ['CVE-2099-1005', osv('CVE-2099-1005', 'Debian:12', 'zlib', 'LOW', [{ introduced: '0' }, { fixed: '1:1.2.13.dfsg-1~deb12u1' }])],
    ['PYSEC-2099-1', osv('PYSEC-2099-1', 'PyPI', 'fixdemo', 'HIGH', [{ introduced: '0' }, { fixed: '1.0.post1' }])],
    ['PYSEC-2099-2', osv('PYSEC-2099-2', 'PyPI', 'fixdemo', 'LOW', [{ introduced: '0' }, { fixed: '1.0.1.dev1' }])],
  ];
  for (const [id, doc] of records) writeFileSync(join(dir, `${id}.json`), doc);
}
