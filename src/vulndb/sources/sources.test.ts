import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { hasShared, sharedPath } from '../../../test/helpers/shared.js';
import type { Advisory, CveMetrics } from '../advisory.js';
import { collect } from '../test-helpers.js';
import { alpineSource } from './alpine-source.js';
import { debianSource } from './debian-source.js';
import { arrayMemberItems, objectMembers } from './json-object-stream.js';
import { epssSource, kevSource, nvdSource } from './metrics-sources.js';

const advisories = (rs: { kind: string }[]) => rs.flatMap((r) => ('advisory' in r ? [(r as unknown as { advisory: Advisory }).advisory] : []));
const keyed = (rs: { kind: string }[]) => new Map(rs.flatMap((r) => ('key' in r ? [[(r as unknown as { key: string }).key, (r as unknown as { advisory: Advisory }).advisory] as const] : [])));
const metrics = (rs: { kind: string }[]) => rs.flatMap((r) => ('metrics' in r ? [(r as { metrics: CveMetrics }).metrics] : []));

type Tracker = Record<string, Record<string, { releases: Record<string, { status: string; fixed_version?: string }> | [] }>>;

describe('objectMembers', () => {
  it('splits a top-level object across arbitrary chunk boundaries', async () => {
    const doc = Buffer.from('\ufeff{ "a" : {"x":[1,{"y":"}\\""}]}, "b\\"q":[], "c": 3 , "d": "s}" }');
    for (const size of [1, 2, 3, 7, 64]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < doc.length; i += size) chunks.push(doc.subarray(i, i + size));
      const out: [string, string | undefined][] = [];
      for await (const [k, v] of objectMembers(Readable.from(chunks), { maxMemberBytes: 1000, maxDepth: 8 })) out.push([k, v?.toString()]);
      expect(out).toEqual([['a', '{"x":[1,{"y":"}\\""}]}'], ['b"q', '[]'], ['c', '3'], ['d', '"s}"']]);
    }
  });
  it('rejects a truncated document and flags oversized or deep members', async () => {
    await expect(async () => {
      for await (const _ of objectMembers(Readable.from([Buffer.from('{"a": {"b": 1}')]), { maxMemberBytes: 100, maxDepth: 8 })) void _;
    }).rejects.toThrow(/ends before/);
    const out: (Buffer | undefined)[] = [];
    for await (const [, v] of objectMembers(Readable.from([Buffer.from('{"a": [[[[1]]]], "b": "' + 'x'.repeat(200) + '", "c": 1}')]), { maxMemberBytes: 100, maxDepth: 3 })) out.push(v);
    expect(out.map((v) => v?.toString())).toEqual([undefined, undefined, '1']);
  });
});

describe('arrayMemberItems', () => {
  it('streams the elements of one top-level array member across chunk boundaries', async () => {
    const doc = Buffer.from('{"format": "NVD_CVE", "other": [{"x": 1}], "vulnerabilities": [ {"cve": {"id": "a\\"]"}}, {"cve": {"id": "b", "n": [1, [2]]}} ], "tail": {"vulnerabilities": [{"no": 1}]}}');
    for (const size of [1, 3, 5, 11, 1000]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < doc.length; i += size) chunks.push(doc.subarray(i, i + size));
      const out: unknown[] = [];
      for await (const b of arrayMemberItems(Readable.from(chunks), 'vulnerabilities', { maxMemberBytes: 1000, maxDepth: 8 })) out.push(b && JSON.parse(b.toString()));
      expect(out).toEqual([{ cve: { id: 'a"]' } }, { cve: { id: 'b', n: [1, [2]] } }]);
    }
  });
  it('rejects truncated documents', async () => {
    await expect(async () => {
      for await (const _ of arrayMemberItems(Readable.from([Buffer.from('{"vulnerabilities": [{"a": 1}, {"b"')]), 'vulnerabilities', { maxMemberBytes: 1000, maxDepth: 8 })) void _;
    }).rejects.toThrow(/ends before/);
  });
});

describe.skipIf(!hasShared('data', 'debian-security-tracker'))('Debian tracker source', () => {
  const file = sharedPath('data', 'debian-security-tracker', 'vunnel-sample-tracker.json');

  it('maps every release entry with a known codename, skipping entries without release data', async () => {
    const raw = JSON.parse(await readFile(file, 'utf8')) as Tracker;
    const { records, issues } = await collect(debianSource, file);
    expect(issues).toEqual([]);
    const withReleases = Object.entries(raw).flatMap(([p, cves]) =>
      Object.entries(cves).filter(([, v]) => !Array.isArray(v.releases) && Object.keys(v.releases).some((r) => r !== 'sid')).map(([c]) => `${p}/${c}`),
    );
    expect([...keyed(records).keys()].sort()).toEqual(withReleases.sort());
  });

  it('keeps backported fixes, open issues and not-affected verdicts per release', async () => {
    const raw = JSON.parse(await readFile(file, 'utf8')) as Tracker;
    const recs = keyed((await collect(debianSource, file)).records);
    const sope = recs.get('sope/CVE-2025-53603')?.affected.find((a) => a.ecosystem === 'Debian:12');
    const rel = raw.sope?.['CVE-2025-53603']?.releases as Record<string, { fixed_version: string }>;
    expect(sope?.status).toBe('fixed');
    expect(sope?.ranges[0]?.events).toEqual([{ introduced: '0' }, { fixed: rel.bookworm?.fixed_version }]);
    expect(rel.bookworm?.fixed_version).toContain('+deb12u1');

    const osvdev = keyed((await collect(debianSource, sharedPath('data', 'debian-security-tracker', 'osvdev-sample-tracker.json'))).records);
    expect(osvdev.get('apparmor/CVE-2016-1585')?.affected.find((a) => a.ecosystem === 'Debian:12')?.status).toBe('not-fixed');
    expect(osvdev.get('apparmor/CVE-2014-1424')?.affected.find((a) => a.ecosystem === 'Debian:12')).toMatchObject({ status: 'not-affected', ranges: [] });
  });

  it('rejects a document that is not the tracker object', async () => {
    const { writeFile, mkdtemp } = await import('node:fs/promises');
    const dir = await mkdtemp('/tmp/deb-');
    await writeFile(`${dir}/t.json`, '{"pkg": {"CVE-1": {"releases": {"bookworm": {"status": "open"}}}}');
    await expect(collect(debianSource, `${dir}/t.json`)).rejects.toThrow(/ends before/);
  });
});

describe.skipIf(!hasShared('data', 'alpine-secdb'))('Alpine secdb source', () => {
  it('reads every branch file, one record per (package, CVE) with the fixed version', async () => {
    const dir = sharedPath('data', 'alpine-secdb', 'v3.11');
    const { records, issues, items } = await collect(alpineSource, dir);
    expect(issues).toEqual([]);
    expect(items.filter((i) => i.kind === 'snapshot').map((i) => 'prefix' in i && i.prefix)).toEqual(['v3.11/community/', 'v3.11/main/']);
    const doc = parseYaml(await readFile(`${dir}/main.yaml`, 'utf8')) as { packages: { pkg: { name: string; secfixes?: Record<string, string[]> } }[] };
    const ansible = doc.packages.find((p) => p.pkg.name === 'ansible')?.pkg.secfixes ?? {};
    const [fixedVersion, cves] = Object.entries(ansible)[0] ?? ['', []];
    const rec = keyed(records).get(`v3.11/main/ansible/${cves[0]}`);
    expect(rec?.affected[0]).toMatchObject({ ecosystem: 'Alpine:v3.11', name: 'ansible', status: 'fixed', ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: fixedVersion }] }] });
    expect(records.length).toBeGreaterThan(doc.packages.length);
  });

  it('treats version "0" as not affected', async () => {
    const { records } = await collect(alpineSource, sharedPath('data', 'alpine-secdb', 'v3.8', 'main.yaml'));
    expect(keyed(records).get('v3.8/main/db/CVE-2016-0682')?.affected[0]).toMatchObject({ status: 'not-affected', ranges: [] });
  });

  it('reads all old branches without issues', async () => {
    const { records, issues } = await collect(alpineSource, sharedPath('data', 'alpine-secdb'));
    expect(issues).toEqual([]);
    expect(new Set(advisories(records).map((a) => a.affected[0]?.ecosystem)).size).toBe(10);
  });
});

describe.skipIf(!hasShared('data', 'nvd'))('NVD, KEV and EPSS sources', () => {
  it('takes the NVD primary CVSS v3.1 score and vector', async () => {
    const file = sharedPath('data', 'nvd', 'api-2.0-cve-samples', 'CVE-2024-3094.json');
    const raw = JSON.parse(await readFile(file, 'utf8')) as { vulnerabilities: { cve: { metrics: { cvssMetricV31: { type: string; cvssData: { vectorString: string; baseScore: number } }[] } } }[] };
    const primary = raw.vulnerabilities[0]?.cve.metrics.cvssMetricV31.find((m) => m.type === 'Primary');
    const [m] = metrics((await collect(nvdSource, file)).records);
    expect(m).toMatchObject({ cve: 'CVE-2024-3094', cvss: { version: '3.1', vector: primary?.cvssData.vectorString, score: primary?.cvssData.baseScore } });
  });

  it('reads every sample page and file', async () => {
    const { records, issues } = await collect(nvdSource, sharedPath('data', 'nvd'));
    expect(issues).toEqual([]);
    expect(metrics(records).length).toBeGreaterThan(50);
  });

  it('reads the KEV catalog with dates', async () => {
    const file = sharedPath('data', 'kev', 'known_exploited_vulnerabilities-sample2.json');
    const raw = JSON.parse(await readFile(file, 'utf8')) as { vulnerabilities: { cveID: string; dateAdded: string }[] };
    const m = metrics((await collect(kevSource, file)).records);
    expect(m).toEqual(raw.vulnerabilities.map((v) => ({ cve: v.cveID, kevDateAdded: v.dateAdded })));
  });

  it('reads EPSS CSV past the model comment line', async () => {
    const file = sharedPath('data', 'epss', 'epss-sample.csv');
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => /^CVE-/.test(l));
    const m = metrics((await collect(epssSource, file)).records);
    expect(m).toHaveLength(lines.length);
    const [cve, score, pct] = (lines[0] ?? '').split(',');
    expect(m[0]).toEqual({ cve, epssScore: Number(score), epssPercentile: Number(pct) });
  });
});
