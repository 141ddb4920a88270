/**
 * What an analysis produces for one image (one platform of an index): the image identity, its
 * layers with their Dockerfile steps, the detected OS and every package with the layer that
 * brought it. The SBOM store persists it; exporters turn it into CycloneDX and SPDX.
 */
import type { Digest } from '../core/digest.js';
import type { Distro } from './distro.js';
import type { Package } from './package.js';

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface SbomLayer {
  readonly digest: Digest;
  /** Index in the manifest's layer list (0 = base). */
  readonly index: number;
  readonly size?: number;
  /** The image config history's `created_by` of the step that made this layer. */
  readonly createdBy?: string;
}

export interface SbomImage {
  /** Digest of the platform image manifest. */
  readonly digest: Digest;
  readonly repository?: string;
  readonly tag?: string;
  readonly platform?: Platform;
  readonly configDigest?: Digest;
  readonly layers: readonly SbomLayer[];
}

export interface ImageSbom {
  readonly image: SbomImage;
  readonly distro?: Distro;
  readonly packages: readonly Package[];
  /** ISO-8601 time of the analysis. */
  readonly analyzedAt: string;
  readonly tool: { readonly name: string; readonly version: string };
}
