/**
 * CycloneDX 1.6 renderer: documents validate against the official bom-1.6 schema and carry the
 * image, OS, packages, licences, location properties and dependency edges the ImageSbom holds.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PackageURL } from 'packageurl-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { cycloneDxValidator, sampleSbom, type SchemaValidator } from './_testkit/sbom-testkit.js';
import { cdxLicenses, renderCycloneDx, type CdxComponent } from './cyclonedx.js';
import { renderSbom } from './formats.js';
import { classifyLicense } from './license.js';

let validate: SchemaValidator;
beforeAll(async () => {
  validate = await cycloneDxValidator();
});

function prop(c: CdxComponent, name: string): string | undefined {
  return c.properties?.find((p) => p.name === name)?.value;
}

describe('renderCycloneDx', () => {
  const sbom = sampleSbom();
  const bom = renderCycloneDx(sbom, { registry: 'registry.example.com' });

  it('produces a document valid against the official CycloneDX 1.6 schema (with and without distro, repository, packages)', () => {
    expect(validate(bom)).toEqual([]);
    expect(validate(renderCycloneDx(sampleSbom(false)))).toEqual([]);
    const bare = { ...sampleSbom(false), packages: [], image: { digest: sbom.image.digest, layers: [] } };
    expect(validate(renderCycloneDx(bare))).toEqual([]);
  });

  it('the validator rejects a broken document', () => {
    expect(validate({ ...bom, bomFormat: 'SPDX' }).length).toBeGreaterThan(0);
    expect(validate({ ...bom, components: [{ type: 'library' }] }).length).toBeGreaterThan(0);
  });

  it('describes the image as a container with a pkg:oci purl', () => {
    const image = bom.metadata.component;
    expect(image.type).toBe('container');
    expect(image.name).toBe('team/app:v1.2');
    expect(image.version).toBe(sbom.image.digest);
    const purl = PackageURL.fromString(image.purl ?? '');
    expect(purl.type).toBe('oci');
    expect(purl.name).toBe('app');
    expect(purl.version).toBe(sbom.image.digest);
    expect(purl.qualifiers).toMatchObject({ repository_url: 'registry.example.com/team/app', tag: 'v1.2', arch: 'amd64' });
    expect(bom.metadata.timestamp).toBe(sbom.analyzedAt);
    expect(bom.metadata.tools.components).toEqual([{ type: 'application', name: 'crowsnest', version: '0.1.0' }]);
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('lists the OS and every package with unique bom-refs', () => {
    const os = bom.components.filter((c) => c.type === 'operating-system');
    expect(os).toEqual([expect.objectContaining({ name: 'debian', version: '12' })]);
    const pkgs = bom.components.filter((c) => c.type !== 'operating-system');
    expect(pkgs).toHaveLength(sbom.packages.length);
    expect(pkgs.map((c) => c.purl).sort()).toEqual(sbom.packages.map((p) => p.purl).sort());
    const refs = bom.components.map((c) => c['bom-ref']);
    expect(new Set(refs).size).toBe(refs.length);
    expect(refs).not.toContain(bom.metadata.component['bom-ref']);
    expect(pkgs.find((c) => c.name === 'actions/checkout')?.type).toBe('application');
    expect(pkgs.find((c) => c.name === 'libc6')?.type).toBe('library');
  });

  it('disambiguates a purl found in two places and keeps both locations', () => {
    const lodash = bom.components.filter((c) => c.name === 'lodash');
    expect(lodash).toHaveLength(2);
    expect(lodash.every((c) => c['bom-ref'].startsWith(`${c.purl ?? ''}?package-id=`))).toBe(true);
    expect(lodash.map((c) => prop(c, 'crowsnest:location:0:path')).sort()).toEqual([
      '/app/node_modules/lodash/package.json',
      '/usr/lib/node_modules/npm/node_modules/lodash/package.json',
    ]);
    // A single occurrence keeps the plain purl as bom-ref.
    const musl = bom.components.find((c) => c.name === 'musl');
    expect(musl?.['bom-ref']).toBe(musl?.purl);
  });

  it('records cataloger and layer facts as crowsnest: properties', () => {
    for (const [i, p] of sbom.packages.entries()) {
      const c = bom.components.filter((x) => x.type !== 'operating-system')[i];
      expect(c && prop(c, 'crowsnest:found-by')).toBe(p.foundBy);
      const loc = p.locations[0];
      expect(c && prop(c, 'crowsnest:location:0:path')).toBe(loc?.path);
      expect(c && prop(c, 'crowsnest:location:0:layer:digest')).toBe(loc?.layerDigest);
      expect(c && prop(c, 'crowsnest:location:0:layer:index')).toBe(loc?.layerIndex === undefined ? undefined : String(loc.layerIndex));
      expect(c && prop(c, 'crowsnest:location:0:layer:created_by')).toBe(loc?.createdBy);
    }
    expect(bom.components.every((c) => c.properties?.every((p) => !p.name.startsWith('cdx:')) ?? true)).toBe(true);
  });

  it('maps licences to ids, expressions or names', () => {
    const byName = (n: string): CdxComponent | undefined => bom.components.find((c) => c.name === n);
    expect(byName('musl')?.licenses).toEqual([{ license: { id: 'MIT', acknowledgement: 'declared' } }]);
    expect(byName('Newtonsoft.Json')?.licenses).toEqual([{ license: { id: 'MIT', acknowledgement: 'declared' } }]);
    expect(byName('@a/b')?.licenses).toEqual([{ expression: 'MIT OR Apache-2.0', acknowledgement: 'declared' }]);
    expect(byName('serde')?.licenses).toEqual([{ expression: '(MIT OR Apache-2.0) AND Unicode-DFS-2016', acknowledgement: 'declared' }]);
    expect(byName('bash')?.licenses).toEqual([{ license: { name: 'GPLv3+', acknowledgement: 'declared' } }]);
    expect(byName('libc6')?.licenses).toEqual([
      { license: { id: 'GPL-2.0-or-later', acknowledgement: 'declared' } },
      { license: { id: 'LGPL-2.1', acknowledgement: 'declared' } },
      { license: { name: 'public-domain', acknowledgement: 'declared' } },
    ]);
    expect(byName('actions/checkout')?.licenses).toBeUndefined();
    expect(byName('my package')?.licenses).toEqual([{ license: { name: 'BSD License', acknowledgement: 'declared' } }]);
  });

  it('keeps a compound expression as a name when mixed with free text (one expression or licence objects, never both)', () => {
    expect(cdxLicenses(['MIT OR Apache-2.0', 'Custom'])).toEqual([
      { license: { name: 'MIT OR Apache-2.0', acknowledgement: 'declared' } },
      { license: { name: 'Custom', acknowledgement: 'declared' } },
    ]);
    expect(cdxLicenses(['', '  '])).toEqual([]);
  });

  it('makes the image depend on the OS and every package, and claims nothing else', () => {
    expect(bom.dependencies).toHaveLength(1);
    const [image] = bom.dependencies;
    expect(image?.ref).toBe(bom.metadata.component['bom-ref']);
    expect(image?.dependsOn).toHaveLength(bom.components.length);
    expect(new Set(image?.dependsOn)).toEqual(new Set(bom.components.map((c) => c['bom-ref'])));
  });

  it('omits repository_url without a registry host and names a repository-less image by digest', () => {
    const anon = renderCycloneDx({ ...sbom, image: { digest: sbom.image.digest, layers: [] } });
    expect(anon.metadata.component.name).toBe(sbom.image.digest);
    expect(PackageURL.fromString(anon.metadata.component.purl ?? '').qualifiers).toBeUndefined();
  });

  it('is what renderSbom returns for cyclonedx', () => {
    const viaSeam = renderSbom(sbom, 'cyclonedx', { uuid: '00000000-0000-4000-8000-000000000000' });
    expect(viaSeam).toEqual(renderCycloneDx(sbom, { uuid: '00000000-0000-4000-8000-000000000000' }));
    expect(validate(viaSeam)).toEqual([]);
  });

  it('is deterministic for a pinned uuid and leaves its input untouched', () => {
    const input = sampleSbom();
    const before = JSON.stringify(input);
    const a = renderCycloneDx(input, { uuid: '00000000-0000-4000-8000-000000000001' });
    expect(renderCycloneDx(input, { uuid: '00000000-0000-4000-8000-000000000001' })).toEqual(a);
    expect(JSON.stringify(input)).toBe(before);
  });
});

describe('licence ids and the CycloneDX licence enum', () => {
  // A list id newer than CycloneDX's bundled licence enum would make `license.id` invalid; this fails
  // when spdx-license-ids is bumped ahead of the schema, before users see invalid documents.
  it('every id the classifier emits as license.id is in the schema enum', () => {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');
    const allowed = new Set((JSON.parse(readFileSync(join(dir, 'spdx.SNAPSHOT.schema.json'), 'utf8')) as { enum: string[] }).enum);
    const ids = [...(require('spdx-license-ids') as string[]), ...(require('spdx-license-ids/deprecated.json') as string[])];
    const emitted = ids.map((id) => classifyLicense(id)).flatMap((c) => (c.kind === 'spdx' && c.id ? [c.id] : []));
    expect(emitted.length).toBe(ids.length);
    expect(emitted.filter((id) => !allowed.has(id))).toEqual([]);
  });
});
