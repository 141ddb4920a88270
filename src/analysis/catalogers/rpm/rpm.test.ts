/**
 * rpm cataloger against the shared rpmdb fixtures (SQLite, Berkeley DB and NDB, read in place) and on
 * hand-built databases: versions, sources, purls with distro namespaces, gpg-pubkey skipping.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../../test/helpers/shared.js';
import { ctxFor, fsFromDir, fsFromMap } from '../_lang-testkit.js';
import type { CatalogContext } from '../../cataloger.js';
import type { Distro } from '../../../model/distro.js';
import { RpmTag } from './header.js';
import { parseSourceRpm, rpmCataloger, rpmNamespace } from './rpm.js';
import { buildNdb, buildSqlite, packageHeader } from './rpm-testkit.js';

interface ExpectedRpm {
  name: string;
  version: string;
  release?: string;
  epoch?: number | null;
  evr?: string;
  arch?: string;
  source_rpm?: string;
  license?: string;
  size?: number;
  purl?: string;
}

/** The fixtures state versions three ways: an `evr` field, split version/release/epoch, or a joined version. */
function expectedEvr(p: ExpectedRpm): string {
  if (p.evr) return p.evr;
  const vr = p.release ? `${p.version}-${p.release}` : p.version;
  return p.epoch !== undefined && p.epoch !== null ? `${p.epoch}:${vr}` : vr;
}

const root = sharedPath('fixtures', 'rpm');

describe.skipIf(!hasShared('fixtures', 'rpm'))('rpm fixtures', () => {
  const fixtures = existsSync(root) ? readdirSync(root).filter((f) => existsSync(join(root, f, 'expected.json'))) : [];

  it('covers the SQLite, Berkeley DB and NDB fixtures', () => {
    expect(fixtures).toEqual(expect.arrayContaining(['generated-sqlite-el9-a', 'syft-bdb-dive', 'snyk-ndb']));
  });

  for (const fixture of fixtures) {
    it(`${fixture}: every expected package with name, version, source; no extras`, async () => {
      const exp = JSON.parse(readFileSync(join(root, fixture, 'expected.json'), 'utf8')) as { complete?: boolean; packages: ExpectedRpm[] };
      const res = await rpmCataloger.catalog(ctxFor(fsFromDir(join(root, fixture), rpmCataloger)));
      expect(res.issues ?? []).toEqual([]);
      if (exp.complete !== false) expect(res.packages).toHaveLength(exp.packages.length);
      for (const want of exp.packages) {
        const got = res.packages.find((p) => p.name === want.name);
        expect(got, want.name).toBeDefined();
        if (!got) continue;
        expect(got.version).toBe(expectedEvr(want));
        expect(got.type).toBe('rpm');
        expect(got.foundBy).toBe('rpm-db');
        expect(got.locations[0]?.path).toMatch(/^\/(var\/lib|usr\/lib\/sysimage)\/rpm\/(rpmdb\.sqlite|Packages(\.db)?)$/);
        if (want.arch) expect(got.metadata?.arch).toBe(want.arch);
        if (want.size !== undefined) expect(got.metadata?.size).toBe(want.size);
        if (want.license) expect(got.licenses).toEqual([want.license]);
        if (want.source_rpm) {
          const m = /^(.+)-([^-]+-[^-]+)\.src\.rpm$/.exec(want.source_rpm);
          expect(got.source).toEqual({ name: m?.[1], version: m?.[2] });
          expect(got.metadata?.sourceRpm).toBe(want.source_rpm);
        }
        // The peers add a non-standard `upstream` qualifier (the source rpm file name); everything else agrees.
        if (want.purl) expect(got.purl).toBe(want.purl.replace(/[?&]upstream=[^&]*/, '').replace(/\?$/, ''));
      }
    });
  }
});

function ctxWith(files: Record<string, Uint8Array>, distro?: Distro): CatalogContext {
  return { ...ctxFor(fsFromMap(files)), distro };
}

describe('rpm cataloger', () => {
  const db = buildNdb([
    packageHeader({ name: 'openssl-libs', version: '3.0.7', release: '27.el9', epoch: 1, arch: 'x86_64', sourceRpm: 'openssl-3.0.7-27.el9.src.rpm', license: 'ASL 2.0' }, [
      { tag: RpmTag.vendor, string: 'Red Hat, Inc.' },
      { tag: RpmTag.modularityLabel, string: 'openssl:3:9030020231:abcd' },
      { tag: RpmTag.size, int32: [123] },
    ]),
    packageHeader({ name: 'gpg-pubkey', version: 'fd431d51', release: '4ae0493b' }),
  ]);

  it('builds evr versions, sources, purls with the distro namespace and qualifiers, and the distro ecosystem', async () => {
    const distro: Distro = { id: 'rhel', versionId: '9.3', ecosystem: 'Red Hat:9' };
    const res = await rpmCataloger.catalog(ctxWith({ '/usr/lib/sysimage/rpm/Packages.db': db }, distro));
    expect(res.packages).toHaveLength(1);
    const p = res.packages[0];
    expect(p?.name).toBe('openssl-libs');
    expect(p?.version).toBe('1:3.0.7-27.el9');
    expect(p?.purl).toBe('pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9.3&epoch=1');
    expect(p?.source).toEqual({ name: 'openssl', version: '3.0.7-27.el9' });
    expect(p?.ecosystem).toBe('Red Hat:9');
    expect(p?.licenses).toEqual(['ASL 2.0']);
    expect(p?.metadata).toMatchObject({
      epoch: 1,
      version: '3.0.7',
      release: '27.el9',
      arch: 'x86_64',
      sourceRpm: 'openssl-3.0.7-27.el9.src.rpm',
      vendor: 'Red Hat, Inc.',
      modularityLabel: 'openssl:3:9030020231:abcd',
      size: 123,
    });
  });

  it('selects only the rpmdb files rpm opens', () => {
    const sel = (path: string): boolean => rpmCataloger.selects({ path, size: 1, mode: 0o644 });
    expect(sel('/var/lib/rpm/rpmdb.sqlite')).toBe(true);
    expect(sel('/usr/lib/sysimage/rpm/rpmdb.sqlite')).toBe(true);
    expect(sel('/var/lib/rpm/Packages')).toBe(true);
    expect(sel('/var/lib/rpm/Packages.db')).toBe(true);
    expect(sel('/var/lib/rpm/Name')).toBe(false);
    expect(sel('/var/lib/rpm/rpmdb.sqlite-shm')).toBe(false);
    expect(sel('/home/u/var/lib/rpm/Packages')).toBe(false);
  });

  it('reads one database per directory, preferring the newest backend', async () => {
    const stale = buildNdb([packageHeader({ name: 'stale', version: '1', release: '1' })]);
    const broken = new Uint8Array(8192);
    const res = await rpmCataloger.catalog(ctxWith({ '/var/lib/rpm/Packages.db': db, '/var/lib/rpm/Packages': stale }));
    expect(res.packages.map((p) => p.name)).toEqual(['openssl-libs']);
    // A broken newer database falls through to the next backend, with an issue.
    const res2 = await rpmCataloger.catalog(ctxWith({ '/var/lib/rpm/rpmdb.sqlite': broken, '/var/lib/rpm/Packages.db': db }));
    expect(res2.packages.map((p) => p.name)).toEqual(['openssl-libs']);
    expect(res2.issues?.[0]?.path).toBe('/var/lib/rpm/rpmdb.sqlite');
  });

  it('reports an uncheckpointed SQLite write-ahead log', async () => {
    expect(rpmCataloger.selects({ path: '/var/lib/rpm/rpmdb.sqlite-wal', size: 4096, mode: 0o644 })).toBe(true);
    expect(rpmCataloger.selects({ path: '/var/lib/rpm/rpmdb.sqlite-wal', size: 0, mode: 0o644 })).toBe(false);
    const sqlite = buildSqlite([packageHeader({ name: 'bash', version: '5.1.8', release: '9.el9' })]);
    const res = await rpmCataloger.catalog(ctxWith({ '/var/lib/rpm/rpmdb.sqlite': sqlite, '/var/lib/rpm/rpmdb.sqlite-wal': new Uint8Array(32) }));
    expect(res.packages.length).toBeGreaterThan(0);
    expect(res.issues?.map((i) => i.path)).toEqual(['/var/lib/rpm/rpmdb.sqlite-wal']);
  });

  it('merges the same package found in both database directories', async () => {
    const res = await rpmCataloger.catalog(ctxWith({ '/var/lib/rpm/Packages.db': db, '/usr/lib/sysimage/rpm/Packages.db': db }));
    expect(res.packages).toHaveLength(1);
    expect(res.packages[0]?.locations.map((l) => l.path).sort()).toEqual(['/usr/lib/sysimage/rpm/Packages.db', '/var/lib/rpm/Packages.db']);
  });

  it('reports headers without a name and corrupt databases as issues', async () => {
    const nameless = buildNdb([packageHeader({ name: '', version: '1', release: '1' })]);
    const res = await rpmCataloger.catalog(ctxWith({ '/var/lib/rpm/Packages.db': nameless, '/var/lib/rpm/Packages': new Uint8Array(100) }));
    expect(res.packages).toEqual([]);
    expect(res.issues?.map((i) => i.message).join('\n')).toMatch(/no NAME/);
    expect(res.issues?.map((i) => i.message).join('\n')).toMatch(/not a Berkeley DB/);
  });
});

describe('rpm naming helpers', () => {
  it('maps os-release IDs to purl vendors', () => {
    expect(rpmNamespace({ id: 'rhel' })).toBe('redhat');
    expect(rpmNamespace({ id: 'rocky' })).toBe('rocky');
    expect(rpmNamespace({ id: 'opensuse-leap' })).toBe('opensuse');
    expect(rpmNamespace({ id: 'sles' })).toBe('suse');
    expect(rpmNamespace({ id: 'amzn' })).toBe('amzn');
    expect(rpmNamespace(undefined)).toBeUndefined();
  });

  it('splits source rpm file names', () => {
    expect(parseSourceRpm('glibc-2.31-150300.63.1.src.rpm')).toEqual({ name: 'glibc', version: '2.31-150300.63.1' });
    expect(parseSourceRpm('python3-pip-21.2.3-7.el9.nosrc.rpm')).toEqual({ name: 'python3-pip', version: '21.2.3-7.el9' });
    expect(parseSourceRpm('garbage')).toBeUndefined();
  });
});
