/**
 * SPDX 2.3 JSON rendering of an ImageSbom: the image as a CONTAINER package the document DESCRIBES,
 * the OS as an OPERATING-SYSTEM package, every catalogued package with its purl, declared licence
 * (valid SPDX expression, or LicenseRef-… with the original text as extracted licensing info) and
 * the layer it came from in sourceInfo.
 */
import { randomUUID } from 'node:crypto';
import { parseDigest } from '../core/digest.js';
import type { Distro } from '../model/distro.js';
import type { Package, PackageType } from '../model/package.js';
import type { ImageSbom } from '../model/sbom.js';
import { imageDisplayName, imagePurl, shortHash, type SbomRenderOptions } from './image-identity.js';
import { asOperand, classifyLicense, LicenseRefAllocator } from './license.js';

const NOASSERTION = 'NOASSERTION';

export interface SpdxExternalRef {
  readonly referenceCategory: 'PACKAGE-MANAGER' | 'SECURITY';
  readonly referenceType: 'purl' | 'cpe23Type' | 'cpe22Type';
  readonly referenceLocator: string;
}

export interface SpdxPackage {
  readonly SPDXID: string;
  readonly name: string;
  readonly versionInfo?: string;
  readonly description?: string;
  readonly downloadLocation: string;
  readonly filesAnalyzed: false;
  readonly checksums?: readonly { readonly algorithm: 'SHA256' | 'SHA512'; readonly checksumValue: string }[];
  readonly licenseConcluded: string;
  readonly licenseDeclared: string;
  readonly copyrightText: string;
  readonly sourceInfo?: string;
  readonly externalRefs?: readonly SpdxExternalRef[];
  readonly primaryPackagePurpose: 'CONTAINER' | 'OPERATING_SYSTEM' | 'LIBRARY' | 'APPLICATION';
}

export interface SpdxRelationship {
  readonly spdxElementId: string;
  readonly relationshipType: 'DESCRIBES' | 'CONTAINS';
  readonly relatedSpdxElement: string;
}

export interface SpdxDocument {
  readonly spdxVersion: 'SPDX-2.3';
  readonly dataLicense: 'CC0-1.0';
  readonly SPDXID: 'SPDXRef-DOCUMENT';
  readonly name: string;
  readonly documentNamespace: string;
  readonly creationInfo: { readonly created: string; readonly creators: readonly string[] };
  readonly packages: readonly SpdxPackage[];
  readonly relationships: readonly SpdxRelationship[];
  readonly hasExtractedLicensingInfos?: readonly { readonly licenseId: string; readonly name?: string; readonly extractedText: string; readonly comment?: string }[];
}

export const SPDX_IMAGE_ID = 'SPDXRef-Image';
export const SPDX_OS_ID = 'SPDXRef-OperatingSystem';

/** SPDX ids allow letters, digits, `.` and `-` only. */
function idPart(text: string, max = 64): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max) || 'x';
}

/** The 2.3 schema wants `YYYY-MM-DDThh:mm:ssZ` exactly: UTC, no fractional seconds. */
export function spdxTimestamp(iso: string): string {
  const ms = Date.parse(iso);
  const date = Number.isNaN(ms) ? new Date(0) : new Date(ms);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function packageIds(packages: readonly Package[]): string[] {
  const used = new Set<string>([SPDX_IMAGE_ID, SPDX_OS_ID]);
  return packages.map((p) => {
    const base = `SPDXRef-Package-${p.type}-${idPart(p.name)}-${shortHash(p.purl, p.foundBy, ...p.locations.map((l) => `${l.path}@${l.layerDigest ?? ''}`))}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    return id;
  });
}

function sourceInfo(pkg: Package): string {
  const where = pkg.locations.map((loc) => {
    const layer = loc.layerDigest
      ? ` in layer ${loc.layerIndex !== undefined ? `${loc.layerIndex} ` : ''}${loc.layerDigest}${loc.createdBy ? ` (${loc.createdBy})` : ''}`
      : '';
    return `${loc.path}${layer}`;
  });
  return where.length ? `acquired package info from ${pkg.foundBy}: ${where.join('; ')}` : `acquired package info from ${pkg.foundBy}`;
}

function purpose(type: PackageType): SpdxPackage['primaryPackagePurpose'] {
  return type === 'github' ? 'APPLICATION' : 'LIBRARY';
}

function osPackage(distro: Distro): SpdxPackage {
  const refs: SpdxExternalRef[] = [];
  if (distro.cpeName?.startsWith('cpe:2.3:')) refs.push({ referenceCategory: 'SECURITY', referenceType: 'cpe23Type', referenceLocator: distro.cpeName });
  else if (distro.cpeName?.startsWith('cpe:/')) refs.push({ referenceCategory: 'SECURITY', referenceType: 'cpe22Type', referenceLocator: distro.cpeName });
  return {
    SPDXID: SPDX_OS_ID,
    name: distro.id,
    ...(distro.versionId ? { versionInfo: distro.versionId } : {}),
    ...(distro.prettyName ? { description: distro.prettyName } : {}),
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    licenseConcluded: NOASSERTION,
    licenseDeclared: NOASSERTION,
    copyrightText: NOASSERTION,
    ...(refs.length ? { externalRefs: refs } : {}),
    // The 2.3 JSON schema spells the purposes with underscores (the spec prose uses hyphens).
    primaryPackagePurpose: 'OPERATING_SYSTEM',
  };
}

export function renderSpdx(sbom: ImageSbom, options: SbomRenderOptions = {}): SpdxDocument {
  const { image, distro } = sbom;
  const name = imageDisplayName(image);
  const digest = parseDigest(image.digest);
  const host = options.registry?.replace(/\/+$/, '') || 'crowsnest.invalid';
  const documentNamespace = `https://${host}/spdxdocs/${idPart(name, 128)}-${digest?.hex ?? idPart(image.digest)}-${options.uuid ?? randomUUID()}`;

  // Licence refs that arrive already written as LicenseRef-… are reserved first so free text is never
  // given the same id.
  const allocator = new LicenseRefAllocator();
  const classified = sbom.packages.map((p) => [...new Set(p.licenses)].map(classifyLicense).filter((c) => c.kind === 'spdx' || c.text !== ''));
  const inputRefs = new Set<string>();
  for (const list of classified) for (const c of list) if (c.kind === 'spdx') for (const ref of c.licenseRefs) inputRefs.add(ref);
  for (const ref of inputRefs) allocator.reserve(ref);

  const imagePurlValue = imagePurl(image, options);
  const packages: SpdxPackage[] = [
    {
      SPDXID: SPDX_IMAGE_ID,
      name,
      versionInfo: image.digest,
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      ...(digest ? { checksums: [{ algorithm: digest.algorithm === 'sha256' ? 'SHA256' : 'SHA512', checksumValue: digest.hex }] } : {}),
      licenseConcluded: NOASSERTION,
      licenseDeclared: NOASSERTION,
      copyrightText: NOASSERTION,
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: imagePurlValue }],
      primaryPackagePurpose: 'CONTAINER',
    },
  ];
  const relationships: SpdxRelationship[] = [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: SPDX_IMAGE_ID }];
  if (distro) {
    packages.push(osPackage(distro));
    relationships.push({ spdxElementId: SPDX_IMAGE_ID, relationshipType: 'CONTAINS', relatedSpdxElement: SPDX_OS_ID });
  }

  const ids = packageIds(sbom.packages);
  sbom.packages.forEach((pkg, i) => {
    const id = ids[i] ?? `SPDXRef-Package-${i}`;
    const parts = (classified[i] ?? []).map((c) => (c.kind === 'spdx' ? c.expression : allocator.refFor(c.text)));
    packages.push({
      SPDXID: id,
      name: pkg.name,
      ...(pkg.version ? { versionInfo: pkg.version } : {}),
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: NOASSERTION,
      licenseDeclared: parts.length === 0 ? NOASSERTION : parts.length === 1 ? (parts[0] ?? NOASSERTION) : parts.map(asOperand).join(' AND '),
      copyrightText: NOASSERTION,
      sourceInfo: sourceInfo(pkg),
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: pkg.purl }],
      primaryPackagePurpose: purpose(pkg.type),
    });
    relationships.push({ spdxElementId: SPDX_IMAGE_ID, relationshipType: 'CONTAINS', relatedSpdxElement: id });
  });

  // Every LicenseRef used in the document must be defined in it (SPDX 2.3 §10).
  const extracted = [
    ...[...inputRefs].map((ref) => ({ licenseId: ref, extractedText: NOASSERTION, comment: 'declared as this LicenseRef by the package metadata; text not collected' })),
    ...allocator.entries().map(([text, ref]) => ({ licenseId: ref, name: text, extractedText: text })),
  ];

  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name,
    documentNamespace,
    creationInfo: { created: spdxTimestamp(sbom.analyzedAt), creators: [`Tool: ${sbom.tool.name}-${sbom.tool.version}`] },
    packages,
    relationships,
    ...(extracted.length ? { hasExtractedLicensingInfos: extracted } : {}),
  };
}
