/**
 * `crowsnest scan --format cyclonedx`: the image's CycloneDX 1.6 SBOM with a `vulnerabilities`
 * section (CycloneDX's own vulnerability model, as Trivy and Grype emit it): each advisory once,
 * its ratings, aliases as references, the upgrade advice, and `affects` pointing at the package
 * components by bom-ref.
 */
import type { ImageSbom } from '../model/sbom.js';
import type { SbomRenderOptions } from '../sbom/image-identity.js';
import { packageBomRefs, renderCycloneDx, type CdxBom } from '../sbom/cyclonedx.js';
import type { Finding } from '../vulndb/match/finding.js';
import { advisoryUrl } from './advisory-url.js';
import { reportSeverity } from './severity.js';

interface CdxRating {
  readonly severity: string;
  readonly score?: number;
  readonly method?: string;
  readonly vector?: string;
  readonly source?: { readonly name: string };
}

export interface CdxVulnerability {
  readonly 'bom-ref': string;
  readonly id: string;
  readonly source: { readonly name: string; readonly url: string };
  readonly references?: readonly { readonly id: string; readonly source: { readonly name: string; readonly url: string } }[];
  readonly ratings: readonly CdxRating[];
  readonly description?: string;
  readonly recommendation?: string;
  readonly affects: readonly { readonly ref: string; readonly versions?: readonly { readonly version: string; readonly status: 'affected' }[] }[];
  readonly properties?: readonly { readonly name: string; readonly value: string }[];
}

const CVSS_METHOD: Readonly<Record<string, string>> = { '2.0': 'CVSSv2', '3.0': 'CVSSv3', '3.1': 'CVSSv31', '4.0': 'CVSSv4' };

function ratings(f: Finding): CdxRating[] {
  const out: CdxRating[] = [];
  const severity = reportSeverity(f.severity);
  if (f.cvss) {
    out.push({
      severity,
      ...(f.cvss.score !== undefined ? { score: f.cvss.score } : {}),
      method: CVSS_METHOD[f.cvss.version] ?? 'other',
      vector: f.cvss.vector,
    });
  } else {
    out.push({ severity, source: { name: f.source } });
  }
  return out;
}

export function renderCycloneDxWithVulnerabilities(
  sbom: ImageSbom,
  findings: readonly Finding[],
  options: SbomRenderOptions = {},
): CdxBom & { readonly vulnerabilities: readonly CdxVulnerability[] } {
  const bom = renderCycloneDx(sbom, options);
  const refs = packageBomRefs(sbom.packages);
  const refOf = new Map(sbom.packages.map((p, i) => [p, refs[i] ?? p.purl]));
  const byId = new Map<string, { first: Finding; affects: Map<string, string> }>();
  for (const f of findings) {
    const ref = refOf.get(f.package) ?? f.package.purl;
    const entry = byId.get(f.id) ?? { first: f, affects: new Map<string, string>() };
    entry.affects.set(ref, f.package.version);
    byId.set(f.id, entry);
  }
  const vulnerabilities: CdxVulnerability[] = [...byId.values()].map(({ first: f, affects }) => ({
    'bom-ref': `vuln:${f.id}`,
    id: f.id,
    source: { name: f.source, url: advisoryUrl(f.id, f.source) },
    ...(f.aliases.length > 0
      ? { references: f.aliases.map((a) => ({ id: a, source: { name: a.split('-')[0] ?? a, url: advisoryUrl(a) } })) }
      : {}),
    ratings: ratings(f),
    ...(f.summary ? { description: f.summary } : {}),
    ...(f.fixedVersion ? { recommendation: `Upgrade ${f.package.name} to ${f.fixedVersion}` } : {}),
    affects: [...affects].map(([ref, version]) => ({ ref, versions: [{ version, status: 'affected' as const }] })),
    properties: [{ name: 'crowsnest:status', value: f.status }],
  }));
  return { ...bom, vulnerabilities };
}
