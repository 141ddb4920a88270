/**
 * SBOM output formats (CONTRACT.md: cyclonedx | spdx | json). `json` is Crowsnest's own ImageSbom
 * document; CycloneDX 1.6 (cyclonedx.ts) and SPDX 2.3 (spdx.ts) renderers live next to this file.
 */
import type { ImageSbom } from '../model/sbom.js';
import { renderCycloneDx } from './cyclonedx.js';
import type { SbomRenderOptions } from './image-identity.js';
import { renderSpdx } from './spdx.js';

export const SBOM_FORMATS = ['cyclonedx', 'spdx', 'json'] as const;
export type SbomFormat = (typeof SBOM_FORMATS)[number];

export function isSbomFormat(value: unknown): value is SbomFormat {
  return typeof value === 'string' && (SBOM_FORMATS as readonly string[]).includes(value);
}

/** The document for `format`, ready for JSON.stringify. */
export function renderSbom(sbom: ImageSbom, format: SbomFormat, options: SbomRenderOptions = {}): unknown {
  switch (format) {
    case 'json':
      return sbom;
    case 'cyclonedx':
      return renderCycloneDx(sbom, options);
    case 'spdx':
      return renderSpdx(sbom, options);
  }
}
