import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../test/helpers/shared.js';
import { createVulnService } from './index.js';
import { kevSource } from './sources/metrics-sources.js';
import { osvSource } from './sources/osv-source.js';
import { memoryDb } from './test-helpers.js';

describe.skipIf(!hasShared('data', 'osv', 'Maven'))('describeVulnerability', () => {
  it('merges the GHSA record and the KEV entry of Log4Shell under its CVE, reachable by any id', async () => {
    const db = await memoryDb();
    try {
      const svc = createVulnService(db);
      const file = sharedPath('data', 'osv', 'Maven', 'GHSA-jfh8-c2jp-5v3q.json');
      const raw = JSON.parse(await readFile(file, 'utf8')) as { summary: string; published: string; affected: { package: { name: string } }[] };
      await svc.store.import('osv', osvSource.read(sharedPath('data', 'osv', 'Maven'), { issues: () => undefined }));
      await svc.store.import('kev', kevSource.read(sharedPath('data', 'kev', 'known_exploited_vulnerabilities-sample2.json'), { issues: () => undefined }));
      const kev = JSON.parse(await readFile(sharedPath('data', 'kev', 'known_exploited_vulnerabilities-sample2.json'), 'utf8')) as { vulnerabilities: { cveID: string; dateAdded: string }[] };
      const view = await svc.describeVulnerability('GHSA-jfh8-c2jp-5v3q');
      expect(view).toMatchObject({
        id: 'CVE-2021-44228',
        aliases: ['GHSA-jfh8-c2jp-5v3q'],
        summary: raw.summary,
        published: raw.published,
        severity: 'critical',
        knownExploited: { dateAdded: kev.vulnerabilities.find((v) => v.cveID === 'CVE-2021-44228')?.dateAdded },
      });
      expect(view?.affected.map((a) => a.package)).toEqual(raw.affected.map((a) => a.package.name));
      expect((await svc.describeVulnerability('CVE-2021-44228'))?.id).toBe('CVE-2021-44228');
      expect(await svc.describeVulnerability('CVE-1999-0000')).toBeUndefined();
    } finally {
      await db.destroy();
    }
  });
});
