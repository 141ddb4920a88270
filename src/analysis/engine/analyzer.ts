/**
 * The analyzer: streams each layer once (or takes its extract from the layer cache), squashes the
 * extracts into an ImageFs, detects the distro, runs every cataloger, and attributes each package
 * location to the layer that introduced it (with that layer's `created_by`). Limits end in an
 * AnalysisFailure with a clear reason; memory stays bounded because only selected files are kept.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Digest } from '../../core/digest.js';
import { AppError } from '../../core/errors.js';
import { noopLogger, type Logger } from '../../core/log.js';
import { LayerError } from '../../image/errors.js';
import { assembleImageFs } from '../../image/image-fs.js';
import { disposeExtracted, extractLayer, type ExtractedLayer, type Selector } from '../../image/layer-extractor.js';
import type { LayerCounter } from '../../image/layer-stream.js';
import type { Distro } from '../../model/distro.js';
import type { Package, PackageLocation } from '../../model/package.js';
import type { ImageSbom, Platform, SbomLayer } from '../../model/sbom.js';
import type { Cataloger, CatalogIssue, ImageFs } from '../cataloger.js';
import { selectorForSet, TOOL, type CatalogerSet } from './cataloger-set.js';
import { noLayerCache, type LayerCache } from './layer-cache.js';

export interface AnalysisLimits {
  /** Uncompressed bytes over all layers of one image (default 10 GiB). */
  readonly maxTotalBytes: number;
  /** Tar entries over all layers. */
  readonly maxEntries: number;
  readonly maxPathLength: number;
  /** Largest single file kept for a cataloger. */
  readonly maxFileBytes: number;
  /** Wall-clock budget for one image. */
  readonly timeBudgetMs: number;
}

export const defaultAnalysisLimits: AnalysisLimits = {
  maxTotalBytes: 10 * 1024 ** 3,
  maxEntries: 2_000_000,
  maxPathLength: 4096,
  maxFileBytes: 256 * 1024 * 1024,
  timeBudgetMs: 10 * 60_000,
};

/** Layers in bytes above this are spilled to a temp file instead of memory. */
const IN_MEMORY_BYTES = 1024 * 1024;
/**
 * Selected bodies kept in memory per image, all layers together; past it every further body is
 * spilled to the work dir, so images with huge numbers of selected files cannot exhaust the heap.
 */
const IN_MEMORY_TOTAL_BYTES = 128 * 1024 * 1024;
const DEFAULT_LAYER_CONCURRENCY = 2;
/** How many earlier views of a multiply-written evidence file are re-cataloged per cataloger. */
const MAX_ATTRIBUTION_RUNS = 32;

/** The analysis ended without a result; `reason` is what the analyses row records. */
export class AnalysisFailure extends AppError {
  constructor(readonly reason: string, options?: { cause?: unknown }) {
    super('ANALYSIS_FAILED', 422, reason, options);
  }
}

export interface AnalysisLayer {
  readonly index: number;
  /** Cache key and SBOM layer digest (the blob digest; for docker archives the diff_id). */
  readonly digest: string;
  readonly size?: number;
  readonly createdBy?: string;
}

/** One single-platform image, however it is stored (registry, OCI layout, docker archive). */
export interface AnalysisInput {
  readonly manifestDigest: string;
  readonly configDigest?: string;
  readonly platform?: Platform;
  readonly env: Readonly<Record<string, string>>;
  readonly layers: readonly AnalysisLayer[];
  openLayer(index: number): Promise<Readable>;
  readonly repository?: string;
  readonly tag?: string;
}

export interface AnalyzeOptions {
  readonly set: CatalogerSet;
  readonly limits?: AnalysisLimits;
  readonly cache?: LayerCache;
  readonly signal?: AbortSignal;
  readonly log?: Logger;
  /** Where large selected files are spilled while an image is analyzed (default: OS temp dir). */
  readonly workDir?: string;
  /** Layers extracted at once (default 2). */
  readonly layerConcurrency?: number;
}

export interface AnalysisOutput {
  readonly sbom: ImageSbom;
  readonly issues: readonly CatalogIssue[];
  readonly cachedLayers: number;
}

function describeError(err: unknown): string {
  if (err instanceof LayerError) return err.message;
  if (err instanceof AnalysisFailure) return err.reason;
  if (err instanceof Error) return err.message;
  return String(err);
}

export async function analyzeImage(input: AnalysisInput, opts: AnalyzeOptions): Promise<AnalysisOutput> {
  const limits = opts.limits ?? defaultAnalysisLimits;
  const cache = opts.cache ?? noLayerCache;
  const log = opts.log ?? noopLogger;
  const budget = AbortSignal.timeout(limits.timeBudgetMs);
  // One failing layer stops the others at once.
  const failFast = new AbortController();
  const signal = AbortSignal.any([...(opts.signal ? [opts.signal] : []), budget, failFast.signal]);
  const abortReason = (): string => (budget.aborted ? `time-budget: exceeded ${limits.timeBudgetMs} ms` : 'aborted');
  const spillDir = await mkdtemp(join(opts.workDir ?? tmpdir(), 'crowsnest-analysis-'));
  const baseSelector = selectorForSet(opts.set, limits.maxFileBytes);
  let keptBytes = 0;
  const selector: Selector = (e) => {
    const sel = baseSelector(e);
    if (sel !== false) keptBytes += e.size;
    return sel;
  };
  // Read per entry by the extractor: drops to 0 (spill everything) once the memory budget is used.
  const memory = {
    get inMemoryBytes(): number {
      return keptBytes > IN_MEMORY_TOTAL_BYTES ? 0 : IN_MEMORY_BYTES;
    },
  };
  const counter: LayerCounter = { bytes: 0, entries: 0 };
  const slots: (ExtractedLayer | undefined)[] = input.layers.map(() => undefined);
  let cachedLayers = 0;
  // The per-file cap shapes the extract too, so it is part of the cache key.
  const cacheKey = `${opts.set.version}:${limits.maxFileBytes}`;

  const extractOne = async (layer: AnalysisLayer): Promise<ExtractedLayer> => {
    if (signal.aborted) throw new AnalysisFailure(abortReason());
    const hit = await cache.get(layer.digest, cacheKey, { spillDir, inMemoryBytes: memory.inMemoryBytes });
    if (hit) {
      cachedLayers++;
      for (const f of hit.files) keptBytes += f.data?.length ?? 0;
      return hit;
    }
    let extracted: ExtractedLayer;
    try {
      const extractLimits = {
        maxTotalBytes: limits.maxTotalBytes,
        maxEntries: limits.maxEntries,
        maxPathLength: limits.maxPathLength,
        signal,
        defaultMaxFileBytes: limits.maxFileBytes,
        spillDir,
        get inMemoryBytes(): number {
          return memory.inMemoryBytes;
        },
      };
      extracted = await extractLayer(await input.openLayer(layer.index), selector, extractLimits, counter);
    } catch (err: unknown) {
      const why = err instanceof LayerError && err.reason === 'aborted' ? abortReason() : describeError(err);
      throw new AnalysisFailure(`layer ${layer.index} (${layer.digest}): ${why}`, { cause: err });
    }
    await cache.put(layer.digest, cacheKey, extracted).catch((err: unknown) => log.warn({ err }, 'layer cache write failed'));
    return extracted;
  };

  try {
    // Layers are independent until they are squashed: a few at once keep both decompression
    // (zlib runs on the libuv pool) and tar parsing busy. Byte/entry limits are shared via `counter`.
    let next = 0;
    let firstError: unknown;
    const lane = async (): Promise<void> => {
      while (firstError === undefined) {
        const i = next++;
        const layer = input.layers[i];
        if (!layer) return;
        try {
          slots[i] = await extractOne(layer);
        } catch (err: unknown) {
          firstError ??= err;
          failFast.abort();
          return;
        }
      }
    };
    const lanes = Math.max(1, Math.min(opts.layerConcurrency ?? DEFAULT_LAYER_CONCURRENCY, input.layers.length));
    await Promise.all(Array.from({ length: lanes }, lane));
    if (firstError !== undefined) throw firstError;
    const extracts = slots.filter((e): e is ExtractedLayer => e !== undefined);
    const fs = assembleImageFs(extracts);
    const { distro, packages, issues } = await catalogImage(fs, extracts, input, opts.set, signal, log, abortReason);
    const sbomLayers: SbomLayer[] = input.layers.map((l) => ({
      digest: l.digest as Digest,
      index: l.index,
      ...(l.size !== undefined ? { size: l.size } : {}),
      ...(l.createdBy !== undefined ? { createdBy: l.createdBy } : {}),
    }));
    const sbom: ImageSbom = {
      image: {
        digest: input.manifestDigest as Digest,
        ...(input.repository !== undefined ? { repository: input.repository } : {}),
        ...(input.tag !== undefined ? { tag: input.tag } : {}),
        ...(input.platform ? { platform: input.platform } : {}),
        ...(input.configDigest !== undefined ? { configDigest: input.configDigest as Digest } : {}),
        layers: sbomLayers,
      },
      ...(distro ? { distro } : {}),
      packages,
      analyzedAt: new Date().toISOString(),
      tool: { name: TOOL.name, version: TOOL.version },
    };
    return { sbom, issues, cachedLayers };
  } finally {
    for (const e of slots) if (e) disposeExtracted(e);
    await rm(spillDir, { recursive: true, force: true });
  }
}

/** Distro detection plus every cataloger over a squashed view, with layer attribution. */
export async function catalogImage(
  fs: ImageFs,
  extracts: readonly ExtractedLayer[],
  input: Pick<AnalysisInput, 'env' | 'layers'>,
  set: CatalogerSet,
  signal: AbortSignal,
  log: Logger,
  abortReason: () => string = () => 'aborted',
): Promise<{ distro: Distro | undefined; packages: Package[]; issues: CatalogIssue[] }> {
  const distro = await set.detectDistro(fs);
  const issues: CatalogIssue[] = [];
  for (const l of extracts) for (const s of l.skippedTooLarge) issues.push({ path: s.path, message: `skipped: ${s.size} bytes is over the ${s.limit}-byte cap` });
  const packages: Package[] = [];
  for (const c of set.catalogers) {
    if (signal.aborted) throw new AnalysisFailure(abortReason());
    const found = await runCataloger(c, fs, distro, input.env, signal, log, issues);
    const introduced = await introducingLayers(c, found, extracts, distro, input.env, signal, log);
    for (const p of found) packages.push(attribute(p, fs, input.layers, introduced.get(p.purl)));
  }
  return { distro, packages, issues };
}

async function runCataloger(
  c: Cataloger,
  fs: ImageFs,
  distro: Distro | undefined,
  env: Readonly<Record<string, string>>,
  signal: AbortSignal,
  log: Logger,
  issues: CatalogIssue[] | undefined,
): Promise<readonly Package[]> {
  try {
    const r = await c.catalog({ fs, distro, env, log: log.child({ cataloger: c.name }), signal });
    if (issues && r.issues) issues.push(...r.issues);
    return r.packages;
  } catch (err: unknown) {
    // A cataloger bug must not cost the other catalogers' results.
    issues?.push({ path: '/', message: `${c.name} failed: ${describeError(err)}` });
    return [];
  }
}

/**
 * For evidence files written by several layers (dpkg status, apk installed, rpmdb), the last writer
 * is not where a package came from. Re-catalog the image as it looked after each earlier writer and
 * take the lowest layer from which the package is present without a gap up to the top.
 */
async function introducingLayers(
  c: Cataloger,
  found: readonly Package[],
  extracts: readonly ExtractedLayer[],
  distro: Distro | undefined,
  env: Readonly<Record<string, string>>,
  signal: AbortSignal,
  log: Logger,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const evidence = new Set(found.flatMap((p) => p.locations.map((l) => l.path)));
  // Only evidence files rewritten by several layers hide where a package came from.
  const writersOf = new Map<string, number[]>();
  extracts.forEach((e, i) => {
    for (const f of e.files) if (evidence.has(f.path)) writersOf.set(f.path, [...(writersOf.get(f.path) ?? []), i]);
  });
  const writers = new Set<number>();
  for (const layers of writersOf.values()) if (layers.length > 1) for (const i of layers) writers.add(i);
  const sorted = [...writers].sort((a, b) => b - a);
  if (sorted.length < 2) return out;
  // Walk down from the second-highest writer: a package present in the view after layer k was there by k.
  let alive = new Set(found.map((p) => p.purl));
  const top = sorted[0] ?? 0;
  for (const p of alive) out.set(p, top);
  for (const k of sorted.slice(1, MAX_ATTRIBUTION_RUNS + 1)) {
    // Not disposed: the partial view shares spill files with the full one.
    const view = assembleImageFs(extracts.slice(0, k + 1));
    const present = new Set((await runCataloger(c, view, distro, env, signal, log, undefined)).map((p) => p.purl));
    alive = new Set([...alive].filter((p) => present.has(p)));
    for (const p of alive) out.set(p, k);
    if (alive.size === 0) break;
  }
  return out;
}

function attribute(p: Package, fs: ImageFs, layers: readonly AnalysisLayer[], introducedAt: number | undefined): Package {
  const locations: PackageLocation[] = p.locations.map((loc) => {
    const file = fs.get(loc.path) ?? fs.get(loc.path.split('!')[0] ?? loc.path);
    const index = introducedAt !== undefined && file !== undefined ? Math.min(introducedAt, file.layerIndex) : file?.layerIndex;
    const layer = index === undefined ? undefined : layers[index];
    if (!layer) return loc;
    return {
      ...loc,
      layerDigest: layer.digest as Digest,
      layerIndex: layer.index,
      ...(layer.createdBy !== undefined ? { createdBy: layer.createdBy } : {}),
    };
  });
  return { ...p, locations };
}
