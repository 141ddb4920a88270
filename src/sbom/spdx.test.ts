/**
 * SPDX 2.3 renderer: documents validate against the official SPDX 2.3 JSON schema (fetched once into
 * the test cache) and carry the image, OS, packages, licences and relationships the ImageSbom holds.
 */
import parseSpdx from 'spdx-expression-parse';
import { describe, expect, it } from 'vitest';
import { sampleSbom, spdxValidator } from './_testkit/sbom-testkit.js';
import { renderSbom } from './formats.js';
import { renderSpdx, SPDX_IMAGE_ID, SPDX_OS_ID, spdxTimestamp, type SpdxPackage } from './spdx.js';

const validate = await spdxValidator();

const sbom = sampleSbom();
const doc = renderSpdx(sbom, { registry: 'registry.example.com', uuid: '11111111-2222-4333-8444-555555555555' });
const byName = (n: string): SpdxPackage | undefined => doc.packages.find((p) => p.name === n);

describe.skipIf(!validate)('renderSpdx against the official SPDX 2.3 schema (skipped only when the schema cannot be fetched)', () => {
  it('produces valid documents with and without distro, repository, packages', () => {
    expect(validate?.(doc)).toEqual([]);
    expect(validate?.(renderSpdx(sampleSbom(false)))).toEqual([]);
    const bare = { ...sampleSbom(false), packages: [], image: { digest: sbom.image.digest, layers: [] } };
    expect(validate?.(renderSpdx(bare))).toEqual([]);
    expect(validate?.(renderSbom(sbom, 'spdx'))).toEqual([]);
  });

  it('the validator rejects a broken document', () => {
    expect(validate?.({ ...doc, creationInfo: { created: doc.creationInfo.created } }).length).toBeGreaterThan(0);
    expect(validate?.({ ...doc, packages: [{ ...doc.packages[0], primaryPackagePurpose: 'OPERATING-SYSTEM' }] }).length).toBeGreaterThan(0);
  });
});

describe('renderSpdx', () => {
  it('fills the document header', () => {
    expect(doc).toMatchObject({ spdxVersion: 'SPDX-2.3', dataLicense: 'CC0-1.0', SPDXID: 'SPDXRef-DOCUMENT', name: 'team/app:v1.2' });
    expect(doc.creationInfo).toEqual({ created: '2026-11-23T02:30:45Z', creators: ['Tool: crowsnest-0.1.0'] });
    const hex = sbom.image.digest.slice('sha256:'.length);
    expect(doc.documentNamespace).toBe(`https://registry.example.com/spdxdocs/team-app-v1.2-${hex}-11111111-2222-4333-8444-555555555555`);
    expect(new URL(doc.documentNamespace).protocol).toBe('https:');
    // Two renders without a pinned uuid never share a namespace.
    expect(renderSpdx(sbom).documentNamespace).not.toBe(renderSpdx(sbom).documentNamespace);
  });

  it('describes the image as a CONTAINER package with its oci purl and digest checksum', () => {
    const image = doc.packages.find((p) => p.SPDXID === SPDX_IMAGE_ID);
    expect(image).toMatchObject({ primaryPackagePurpose: 'CONTAINER', versionInfo: sbom.image.digest, downloadLocation: 'NOASSERTION' });
    expect(image?.checksums).toEqual([{ algorithm: 'SHA256', checksumValue: sbom.image.digest.slice(7) }]);
    expect(image?.externalRefs?.[0]?.referenceLocator).toMatch(/^pkg:oci\/app@sha256(:|%3A)[0-9a-f]{64}\?/);
    expect(doc.relationships).toContainEqual({ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: SPDX_IMAGE_ID });
  });

  it('adds the OS as an OPERATING_SYSTEM package contained in the image, only when there is one', () => {
    expect(doc.packages.find((p) => p.SPDXID === SPDX_OS_ID)).toMatchObject({ name: 'debian', versionInfo: '12', primaryPackagePurpose: 'OPERATING_SYSTEM' });
    expect(doc.relationships).toContainEqual({ spdxElementId: SPDX_IMAGE_ID, relationshipType: 'CONTAINS', relatedSpdxElement: SPDX_OS_ID });
    const noOs = renderSpdx(sampleSbom(false));
    expect(noOs.packages.some((p) => p.primaryPackagePurpose === 'OPERATING_SYSTEM')).toBe(false);
    expect(noOs.relationships.some((r) => r.relatedSpdxElement === SPDX_OS_ID)).toBe(false);
  });

  it('gives every package a valid, unique SPDXID and the image a CONTAINS relationship to each', () => {
    const pkgs = doc.packages.filter((p) => p.SPDXID.startsWith('SPDXRef-Package-'));
    expect(pkgs).toHaveLength(sbom.packages.length);
    for (const [i, p] of pkgs.entries()) {
      expect(p.SPDXID).toMatch(new RegExp(`^SPDXRef-Package-${sbom.packages[i]?.type ?? ''}-[A-Za-z0-9.-]+-[0-9a-f]{12}$`));
    }
    expect(new Set(doc.packages.map((p) => p.SPDXID)).size).toBe(doc.packages.length);
    const contained = doc.relationships.filter((r) => r.spdxElementId === SPDX_IMAGE_ID && r.relationshipType === 'CONTAINS' && r.relatedSpdxElement.startsWith('SPDXRef-Package-'));
    expect(contained).toHaveLength(sbom.packages.length);
    expect(new Set(contained.map((r) => r.relatedSpdxElement))).toEqual(new Set(pkgs.map((p) => p.SPDXID)));
    expect(byName('@a/b')?.SPDXID).toMatch(/^SPDXRef-Package-npm-a-b-/);
  });

  it('carries purls, versions and the layer each package came from', () => {
    const pkgs = doc.packages.filter((p) => p.SPDXID.startsWith('SPDXRef-Package-'));
    expect(pkgs.map((p) => p.externalRefs?.[0])).toEqual(sbom.packages.map((p) => ({ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl })));
    for (const [i, p] of sbom.packages.entries()) {
      const loc = p.locations[0];
      expect(pkgs[i]?.sourceInfo).toContain(loc?.path);
      expect(pkgs[i]?.sourceInfo).toContain(p.foundBy);
      if (loc?.layerDigest) expect(pkgs[i]?.sourceInfo).toContain(loc.layerDigest);
      if (loc?.createdBy) expect(pkgs[i]?.sourceInfo).toContain(loc.createdBy);
      expect(pkgs[i]?.versionInfo).toBe(p.version || undefined);
      expect(pkgs[i]?.licenseConcluded).toBe('NOASSERTION');
    }
    expect(byName('lodash')).toBeDefined();
    expect(doc.packages.filter((p) => p.name === 'lodash').map((p) => p.sourceInfo)).toHaveLength(2);
    expect(byName('actions/checkout')?.primaryPackagePurpose).toBe('APPLICATION');
  });

  it('declares licences as valid SPDX expressions, with LicenseRef-… for free text defined in the document', () => {
    expect(byName('musl')?.licenseDeclared).toBe('MIT');
    expect(byName('Newtonsoft.Json')?.licenseDeclared).toBe('MIT');
    expect(byName('@a/b')?.licenseDeclared).toBe('MIT OR Apache-2.0');
    expect(byName('serde')?.licenseDeclared).toBe('(MIT OR Apache-2.0) AND Unicode-DFS-2016');
    expect(byName('bash')?.licenseDeclared).toMatch(/^LicenseRef-GPLv3$/);
    expect(byName('actions/checkout')?.licenseDeclared).toBe('NOASSERTION');
    expect(byName('symfony/console')?.licenseDeclared).toBe('MIT AND LicenseRef-acme-eula');

    const defined = new Map((doc.hasExtractedLicensingInfos ?? []).map((e) => [e.licenseId, e]));
    expect(defined.get('LicenseRef-GPLv3')?.extractedText).toBe('GPLv3+');
    expect(defined.has('LicenseRef-acme-eula')).toBe(true);
    expect(defined.size).toBe(doc.hasExtractedLicensingInfos?.length);
    for (const p of doc.packages) {
      if (p.licenseDeclared === 'NOASSERTION') continue;
      expect(() => parseSpdx(p.licenseDeclared), p.licenseDeclared).not.toThrow();
      for (const ref of p.licenseDeclared.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? []) expect(defined.has(ref), ref).toBe(true);
    }
  });

  // The schema in the tools-java jar predates the SPDXID and `created` patterns of spdx-spec's 2.3.1
  // schema; those patterns are asserted here directly.
  it('meets the 2.3.1 patterns for SPDXIDs and the creation time', () => {
    for (const p of doc.packages) expect(p.SPDXID).toMatch(/^SPDXRef-[a-zA-Z0-9.-]+$/);
    for (const r of doc.relationships) expect(r.relatedSpdxElement).toMatch(/^SPDXRef-[a-zA-Z0-9.-]+$/);
    expect(doc.creationInfo.created).toMatch(/^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z$/);
  });

  it('writes timestamps the 2.3 schema accepts', () => {
    expect(spdxTimestamp('2026-01-02T03:04:05.678Z')).toBe('2026-01-02T03:04:05Z');
    expect(spdxTimestamp('2026-01-02T04:04:05+01:00')).toBe('2026-01-02T03:04:05Z');
    expect(spdxTimestamp('garbage')).toBe('1970-01-01T00:00:00Z');
  });

  it('is deterministic for a pinned uuid and leaves its input untouched', () => {
    const input = sampleSbom();
    const before = JSON.stringify(input);
    const a = renderSpdx(input, { uuid: '11111111-2222-4333-8444-555555555555' });
    expect(renderSpdx(input, { uuid: '11111111-2222-4333-8444-555555555555' })).toEqual(a);
    expect(JSON.stringify(input)).toBe(before);
  });
});
