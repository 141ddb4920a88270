/**
 * SBOM output formats (CONTRACT.md: cyclonedx | spdx | json). `json` is Crowsnest's own ImageSbom
 * document; CycloneDX 1.6 and SPDX 2.3 renderers live next to this file.
 */
import type { ImageSbom } from '../model/sbom.js';

export const SBOM_FORMATS = ['cyclonedx', 'spdx', 'json'] as const;
export type SbomFormat = (typeof SBOM_FORMATS)[number];

export function isSbomFormat(value: unknown): value is SbomFormat {
  return typeof value === 'string' && (SBOM_FORMATS as readonly string[]).includes(value);
}

/** The document for `format`, ready for JSON.stringify. */
export function renderSbom(sbom: ImageSbom, format: SbomFormat): unknown {
  switch (format) {
    case 'json':
      return sbom;
    case 'cyclonedx':
    case 'spdx':
      throw new Error(`SBOM format ${format} is not implemented yet`);
  }
}
