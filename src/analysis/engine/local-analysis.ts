/**
 * Analysis without a server, for `crowsnest sbom` (and later `scan`): parses a TARGET
 * (`oci:DIR[:TAG]`, `docker-archive:FILE.tar`, `dir:ROOTFS`, `registry:HOST/REPO:TAG`), picks the
 * best platform (linux/amd64 first) and returns the ImageSbom.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Digest } from '../../core/digest.js';
import { digestOf } from '../../core/digest.js';
import { ValidationError } from '../../core/errors.js';
import { noopLogger, type Logger } from '../../core/log.js';
import { listPlatforms, ociLayoutRoot, ociLayoutSource, type BlobSource } from '../../image/image-reader.js';
import { dirImageFs } from '../../image/local-sources.js';
import type { ImageSbom } from '../../model/sbom.js';
import { analyzeImage, catalogImage, defaultAnalysisLimits, type AnalysisLimits } from './analyzer.js';
import { selectorForSet, TOOL, type CatalogerSet } from './cataloger-set.js';
import { inputFromDockerArchive, inputFromSource, parseRegistryRef, registrySource } from './image-inputs.js';

export type Target =
  | { readonly kind: 'oci'; readonly dir: string; readonly tag: string | undefined }
  | { readonly kind: 'docker-archive'; readonly file: string }
  | { readonly kind: 'dir'; readonly root: string }
  | { readonly kind: 'registry'; readonly ref: string };

/** Parses a TARGET; ValidationError (exit 2) when malformed. */
export function parseTarget(s: string): Target {
  const colon = s.indexOf(':');
  const scheme = colon > 0 ? s.slice(0, colon) : '';
  const rest = s.slice(colon + 1);
  if (rest === '') throw new ValidationError(`target "${s}" has no path`);
  switch (scheme) {
    case 'oci': {
      if (existsSync(rest)) return { kind: 'oci', dir: resolve(rest), tag: undefined };
      const i = rest.lastIndexOf(':');
      if (i > 0 && !rest.slice(i + 1).includes('/')) return { kind: 'oci', dir: resolve(rest.slice(0, i)), tag: rest.slice(i + 1) };
      return { kind: 'oci', dir: resolve(rest), tag: undefined };
    }
    case 'docker-archive':
      return { kind: 'docker-archive', file: resolve(rest) };
    case 'dir':
      return { kind: 'dir', root: resolve(rest) };
    case 'registry':
      if (!parseRegistryRef(rest)) throw new ValidationError(`target "${s}" is not registry:HOST/REPO:TAG`);
      return { kind: 'registry', ref: rest };
    default:
      throw new ValidationError(`target "${s}" must start with oci:, docker-archive:, dir: or registry:`);
  }
}

async function fromSource(src: BlobSource, root: string, set: CatalogerSet, limits: AnalysisLimits, log: Logger, names: { repository?: string; tag?: string }): Promise<ImageSbom> {
  const platforms = await listPlatforms(src, root);
  const pm = platforms.find((p) => p.supported);
  if (!pm) throw new ValidationError('the image has no Linux platform to analyze');
  const input = await inputFromSource(src, pm, names);
  return (await analyzeImage(input, { set, limits, log })).sbom;
}

export async function analyzeTarget(target: Target, set: CatalogerSet, limits: AnalysisLimits = defaultAnalysisLimits, log: Logger = noopLogger): Promise<ImageSbom> {
  switch (target.kind) {
    case 'oci': {
      if (!existsSync(`${target.dir}/index.json`)) throw new ValidationError(`${target.dir} is not an OCI image layout (no index.json)`);
      const root = await ociLayoutRoot(target.dir, target.tag);
      return fromSource(ociLayoutSource(target.dir), root, set, limits, log, target.tag !== undefined ? { tag: target.tag } : {});
    }
    case 'docker-archive': {
      if (!existsSync(target.file)) throw new ValidationError(`${target.file} does not exist`);
      const input = await inputFromDockerArchive(target.file);
      return (await analyzeImage(input, { set, limits, log })).sbom;
    }
    case 'registry': {
      const ref = parseRegistryRef(target.ref);
      if (!ref) throw new ValidationError(`bad registry reference ${target.ref}`);
      const src = registrySource(ref);
      const root = await src.resolveRoot();
      return fromSource(src, root, set, limits, log, { repository: `${ref.host}/${ref.repository}`, ...(ref.reference.includes(':') ? {} : { tag: ref.reference }) });
    }
    case 'dir': {
      if (!existsSync(target.root) || !statSync(target.root).isDirectory()) throw new ValidationError(`${target.root} is not a directory`);
      const fs = await dirImageFs(target.root, selectorForSet(set, limits.maxFileBytes));
      try {
        const { distro, packages } = await catalogImage(fs, [], { env: {}, layers: [] }, set, AbortSignal.timeout(limits.timeBudgetMs), log);
        return {
          image: { digest: digestOf(`dir:${target.root}`) as Digest, layers: [] },
          ...(distro ? { distro } : {}),
          packages,
          analyzedAt: new Date().toISOString(),
          tool: { name: TOOL.name, version: TOOL.version },
        };
      } finally {
        fs.dispose();
      }
    }
  }
}
