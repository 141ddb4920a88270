/**
 * How the analysed image is named in exported SBOMs: display name, `pkg:oci` purl (purl-spec oci type)
 * and the per-location facts both the CycloneDX and the SPDX renderer need.
 */
import { createHash } from 'node:crypto';
import { makePurl } from '../analysis/catalogers/_lang-package.js';
import type { SbomImage } from '../model/sbom.js';

/** Options every renderer accepts; all optional so `renderSbom(sbom, format)` stays the simple call. */
export interface SbomRenderOptions {
  /**
   * Public host[:port][/path] of this registry, e.g. "registry.example.com". Needed for the purl
   * `repository_url` qualifier and the SPDX namespace; without it both fall back to neutral values.
   */
  readonly registry?: string;
  /** Document UUID (tests pin it); a random one otherwise. */
  readonly uuid?: string;
}

/** "repository:tag", "repository" or the bare digest when the image has no repository. */
export function imageDisplayName(image: SbomImage): string {
  if (!image.repository) return image.digest;
  return image.tag ? `${image.repository}:${image.tag}` : image.repository;
}

/**
 * `pkg:oci/<last path segment>@<digest>?arch=…&repository_url=<registry>/<repository>&tag=…`.
 * purl-spec: the oci name is the lower-cased last fragment of the repository, the version is the
 * digest and repository_url carries the full location without scheme.
 */
export function imagePurl(image: SbomImage, options: SbomRenderOptions = {}): string {
  const repository = image.repository ?? '';
  const name = (repository.split('/').pop() || 'image').toLowerCase();
  const qualifiers: Record<string, string> = {};
  if (image.platform?.architecture) qualifiers.arch = image.platform.architecture;
  if (options.registry && repository) qualifiers.repository_url = `${options.registry.replace(/\/+$/, '')}/${repository}`;
  if (image.tag) qualifiers.tag = image.tag;
  return makePurl('oci', undefined, name, image.digest, Object.keys(qualifiers).length ? qualifiers : undefined);
}

/** Short, stable hex hash for identifiers that must be unique but stay readable. */
export function shortHash(...parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\u0000');
  return hash.digest('hex').slice(0, 12);
}
