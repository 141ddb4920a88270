/**
 * CycloneDX 1.6 JSON rendering of an ImageSbom: the image as metadata.component (type container,
 * pkg:oci purl), the OS as an operating-system component, one component per package with licences and
 * `crowsnest:` properties for where and by which cataloger it was found.
 *
 * Written by hand rather than through @cyclonedx/cyclonedx-library: the document is a fixed, small
 * subset of the spec, and typed literals keep the runtime free of that library's optional peers
 * (the library is still used in tests for its bundled official schemas).
 */
import { randomUUID } from 'node:crypto';
import { parseDigest } from '../core/digest.js';
import type { Package, PackageType } from '../model/package.js';
import type { ImageSbom } from '../model/sbom.js';
import { imageDisplayName, imagePurl, shortHash, type SbomRenderOptions } from './image-identity.js';
import { asOperand, classifyLicense } from './license.js';

export interface CdxProperty {
  readonly name: string;
  readonly value: string;
}

export type CdxLicenseChoice =
  | { readonly license: { readonly id: string; readonly acknowledgement: 'declared' } }
  | { readonly license: { readonly name: string; readonly acknowledgement: 'declared' } }
  | { readonly expression: string; readonly acknowledgement: 'declared' };

export interface CdxComponent {
  readonly 'bom-ref': string;
  readonly type: 'container' | 'operating-system' | 'library' | 'application' | 'framework';
  readonly name: string;
  readonly version?: string;
  readonly description?: string;
  readonly hashes?: readonly { readonly alg: 'SHA-256' | 'SHA-512'; readonly content: string }[];
  readonly licenses?: readonly CdxLicenseChoice[];
  readonly cpe?: string;
  readonly purl?: string;
  readonly properties?: readonly CdxProperty[];
}

export interface CdxBom {
  readonly $schema: string;
  readonly bomFormat: 'CycloneDX';
  readonly specVersion: '1.6';
  readonly serialNumber: string;
  readonly version: 1;
  readonly metadata: {
    readonly timestamp: string;
    readonly lifecycles: readonly { readonly phase: 'post-build' }[];
    readonly tools: { readonly components: readonly { type: 'application'; name: string; version: string }[] };
    readonly component: CdxComponent;
  };
  readonly components: readonly CdxComponent[];
  readonly dependencies: readonly { readonly ref: string; readonly dependsOn?: readonly string[] }[];
}

/**
 * Property namespace: `cdx:` is reserved for CycloneDX's own taxonomy, so tool facts go under ours
 * (as syft uses `syft:` and trivy `aquasecurity:trivy:`). Names emitted:
 *   component: crowsnest:found-by, crowsnest:ecosystem, crowsnest:source:name, crowsnest:source:version,
 *              crowsnest:location:<i>:path, crowsnest:location:<i>:layer:digest,
 *              crowsnest:location:<i>:layer:index, crowsnest:location:<i>:layer:created_by
 *   image:     crowsnest:image:platform, crowsnest:image:config-digest,
 *              crowsnest:image:layer:<index>:digest, crowsnest:image:layer:<index>:created_by
 */
const NS = 'crowsnest';

/** GitHub Actions are runnable steps, not linked code; every other catalogued type is a library. */
function componentType(type: PackageType): CdxComponent['type'] {
  return type === 'github' ? 'application' : 'library';
}

/**
 * CycloneDX allows either license objects or exactly one expression. A lone list id becomes
 * `license.id`; several valid entries with any compound among them are AND-ed into one expression
 * (the package carries all of them); free text becomes `license.name`.
 */
export function cdxLicenses(licenses: readonly string[]): CdxLicenseChoice[] {
  const classes = [...new Set(licenses)].map(classifyLicense).filter((c) => c.kind === 'spdx' || c.text !== '');
  if (classes.length === 0) return [];
  const allSpdx = classes.every((c) => c.kind === 'spdx');
  const anyCompound = classes.some((c) => c.kind === 'spdx' && c.id === undefined && c.licenseRefs.length === 0);
  if (allSpdx && anyCompound) {
    const expressions = classes.map((c) => (c.kind === 'spdx' ? c.expression : ''));
    const expression = expressions.length === 1 ? (expressions[0] ?? '') : expressions.map(asOperand).join(' AND ');
    return [{ expression, acknowledgement: 'declared' }];
  }
  return classes.map((c): CdxLicenseChoice => {
    if (c.kind === 'spdx' && c.id) return { license: { id: c.id, acknowledgement: 'declared' } };
    return { license: { name: c.kind === 'spdx' ? c.expression : c.text, acknowledgement: 'declared' } };
  });
}

function packageProperties(pkg: Package): CdxProperty[] {
  const props: CdxProperty[] = [{ name: `${NS}:found-by`, value: pkg.foundBy }];
  if (pkg.ecosystem) props.push({ name: `${NS}:ecosystem`, value: pkg.ecosystem });
  if (pkg.source) {
    props.push({ name: `${NS}:source:name`, value: pkg.source.name });
    if (pkg.source.version) props.push({ name: `${NS}:source:version`, value: pkg.source.version });
  }
  // Indexed like syft's `syft:location:N:…` so path and layer of one location stay paired.
  pkg.locations.forEach((loc, i) => {
    const prefix = `${NS}:location:${i}`;
    props.push({ name: `${prefix}:path`, value: loc.path });
    if (loc.layerDigest) props.push({ name: `${prefix}:layer:digest`, value: loc.layerDigest });
    if (loc.layerIndex !== undefined) props.push({ name: `${prefix}:layer:index`, value: String(loc.layerIndex) });
    if (loc.createdBy) props.push({ name: `${prefix}:layer:created_by`, value: loc.createdBy });
  });
  return props;
}

/**
 * bom-ref is the purl; when one purl occurs more than once (the same package in two places) every
 * occurrence gets a `package-id` qualifier hashed from its locations, plus a counter as last resort.
 */
export function packageBomRefs(packages: readonly Package[]): string[] {
  const count = new Map<string, number>();
  for (const p of packages) count.set(p.purl, (count.get(p.purl) ?? 0) + 1);
  const used = new Set<string>();
  return packages.map((p) => {
    let ref = p.purl;
    if ((count.get(p.purl) ?? 0) > 1) {
      const id = shortHash(p.purl, p.foundBy, ...p.locations.map((l) => `${l.path}@${l.layerDigest ?? ''}`));
      ref = `${p.purl}${p.purl.includes('?') ? '&' : '?'}package-id=${id}`;
    }
    for (let n = 2; used.has(ref); n++) ref = `${ref.replace(/#\d+$/, '')}#${n}`;
    used.add(ref);
    return ref;
  });
}

function digestHash(digest: string): CdxComponent['hashes'] {
  const parsed = parseDigest(digest);
  if (!parsed) return undefined;
  return [{ alg: parsed.algorithm === 'sha256' ? 'SHA-256' : 'SHA-512', content: parsed.hex }];
}

export function renderCycloneDx(sbom: ImageSbom, options: SbomRenderOptions = {}): CdxBom {
  const { image, distro } = sbom;
  const imageRef = imagePurl(image, options);
  const imageProps: CdxProperty[] = [];
  if (image.platform) {
    const { os, architecture, variant } = image.platform;
    imageProps.push({ name: `${NS}:image:platform`, value: [os, architecture, variant].filter(Boolean).join('/') });
  }
  if (image.configDigest) imageProps.push({ name: `${NS}:image:config-digest`, value: image.configDigest });
  for (const layer of image.layers) {
    imageProps.push({ name: `${NS}:image:layer:${layer.index}:digest`, value: layer.digest });
    if (layer.createdBy) imageProps.push({ name: `${NS}:image:layer:${layer.index}:created_by`, value: layer.createdBy });
  }
  const hashes = digestHash(image.digest);
  const imageComponent: CdxComponent = {
    'bom-ref': imageRef,
    type: 'container',
    name: imageDisplayName(image),
    version: image.digest,
    ...(hashes ? { hashes } : {}),
    purl: imageRef,
    ...(imageProps.length ? { properties: imageProps } : {}),
  };

  const components: CdxComponent[] = [];
  if (distro) {
    components.push({
      'bom-ref': `os:${distro.id}${distro.versionId ? `@${distro.versionId}` : ''}`,
      type: 'operating-system',
      name: distro.id,
      ...(distro.versionId ? { version: distro.versionId } : {}),
      ...(distro.prettyName ? { description: distro.prettyName } : {}),
      ...(distro.cpeName ? { cpe: distro.cpeName } : {}),
      ...(distro.ecosystem ? { properties: [{ name: `${NS}:ecosystem`, value: distro.ecosystem }] } : {}),
    });
  }
  const refs = packageBomRefs(sbom.packages);
  sbom.packages.forEach((pkg, i) => {
    const licenses = cdxLicenses(pkg.licenses);
    components.push({
      'bom-ref': refs[i] ?? pkg.purl,
      type: componentType(pkg.type),
      name: pkg.name,
      ...(pkg.version ? { version: pkg.version } : {}),
      ...(licenses.length ? { licenses } : {}),
      purl: pkg.purl,
      properties: packageProperties(pkg),
    });
  });

  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${options.uuid ?? randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: sbom.analyzedAt,
      // The SBOM is derived from a built image, not from its build.
      lifecycles: [{ phase: 'post-build' }],
      tools: { components: [{ type: 'application', name: sbom.tool.name, version: sbom.tool.version }] },
      component: imageComponent,
    },
    components,
    // Only the image's edges are known (it contains everything). Listing a package with an empty
    // dependsOn would claim it has no dependencies, which the catalogers do not establish.
    dependencies: [{ ref: imageRef, dependsOn: components.map((c) => c['bom-ref']) }],
  };
}
