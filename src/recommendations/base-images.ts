/**
 * Base image advice inside this registry: find the image a tag was built FROM (a base named by the
 * manifest's `org.opencontainers.image.base.*` annotations when it resolves, else the analyzed image
 * whose layers are the longest proper prefix of this one's, same platform, in a repository the
 * caller may read), then weigh the base repository's newer analyzed tags by how many of this image's
 * base-layer findings they would remove. Detection runs on the image_first_layers index.
 */
import type { Kysely } from 'kysely';
import type { SbomStore } from '../analysis/store/sbom-store.js';
import type { Digest } from '../core/digest.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { ImageSbom } from '../model/sbom.js';
import { emptyCounts, type RemovalCounts } from '../reports/fix-advice.js';
import { compare } from '../versions/index.js';
import { REPORT_SEVERITIES, type SeveritySummary } from '../reports/severity.js';
import type { ReportPackage, VulnerabilityReport } from '../reports/vulnerability-report.js';

export const BASE_NAME_ANNOTATION = 'org.opencontainers.image.base.name';
export const BASE_DIGEST_ANNOTATION = 'org.opencontainers.image.base.digest';

/** Bounds on the work one request may do. */
const MAX_PREFIX_ROWS = 200;
const MAX_TAGS = 500;
const MAX_CANDIDATES = 10;

export interface BaseImageRef {
  readonly repository: string;
  readonly tag?: string;
  /** The pushed digest (an index for multi-platform images). */
  readonly digest: string;
  /** How the base was found. */
  readonly via: 'annotation' | 'layers';
  readonly layerCount: number;
  /** Whether the base's layers are the first layers of this image (an annotation may name a base that was squashed in). */
  readonly layerPrefix: boolean;
  readonly pushedAt?: string;
}

interface DetectedBase extends BaseImageRef {
  /** The base's platform image, whose SBOM says which packages came from it when layers cannot. */
  readonly manifestDigest: string;
}

export interface BaseCandidate {
  readonly repository: string;
  readonly tag: string;
  /** Every tag on this digest in the base repository. */
  readonly tags: readonly string[];
  readonly digest: string;
  readonly pushedAt: string;
  readonly summary: SeveritySummary;
  /** This image's findings in base-layer packages that the candidate does not have. */
  readonly removes: RemovalCounts;
}

export interface BaseImageAdvice {
  readonly current: BaseImageRef;
  readonly candidates: readonly BaseCandidate[];
}

export interface BaseImagesDeps {
  readonly db: Kysely<Database>;
  readonly sboms: SbomStore;
  /** The repository's report of an image (the evaluator's stored one, else a fresh evaluation). */
  readonly reportFor: (repository: string, sbom: ImageSbom, platform: string) => Promise<VulnerabilityReport>;
  /** Reads an image config blob (for base names given as config labels); undefined when unavailable. */
  readonly readConfig?: (digest: Digest) => Promise<Buffer | undefined>;
}

/** Image configs are small; anything larger is not read for labels. */
const MAX_CONFIG_BYTES = 1 << 20;

export interface AdviseInput {
  readonly repository: string;
  readonly rootDigest: string;
  readonly sbom: ImageSbom;
  readonly platform: string;
  readonly report: VulnerabilityReport;
  readonly canRead: (repository: string) => Promise<boolean>;
}

function layerDigests(sbom: ImageSbom): string[] {
  return [...sbom.image.layers].sort((a, b) => a.index - b.index).map((l) => l.digest);
}

function parseLayers(text: string | null): string[] {
  try {
    const parsed: unknown = JSON.parse(text ?? '[]');
    if (!Array.isArray(parsed)) return [];
    return parsed.map((l: unknown) => (typeof l === 'object' && l !== null && typeof (l as { digest?: unknown }).digest === 'string' ? (l as { digest: string }).digest : ''));
  } catch {
    return [];
  }
}

function stringRecord(parsed: unknown): Record<string, string> {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** `config.Labels` of an image config; {} for anything malformed. */
export function configLabels(bytes: Buffer | undefined): Record<string, string> {
  if (!bytes || bytes.length > MAX_CONFIG_BYTES) return {};
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    const config = typeof parsed === 'object' && parsed !== null ? (parsed as { config?: unknown }).config : undefined;
    return typeof config === 'object' && config !== null ? stringRecord((config as { Labels?: unknown }).Labels) : {};
  } catch {
    return {};
  }
}

function parseAnnotations(text: string | null | undefined): Record<string, string> {
  if (!text) return {};
  try {
    return stringRecord(JSON.parse(text));
  } catch {
    return {};
  }
}

/** `latest` last: a versioned tag says more about which base this is. */
function preferredTags(tags: readonly string[]): string[] {
  return [...tags].sort((a, b) => Number(a === 'latest') - Number(b === 'latest') || a.localeCompare(b));
}

/**
 * A base name as written in the annotation ("registry.example:5000/ui/base:3.19", "ui/base@sha256:…")
 * → repository path in this registry, tag and digest. The registry host is dropped when the first
 * component looks like one (a dot, a port or "localhost"), as the distribution reference grammar does.
 */
export function parseBaseName(name: string): { repository: string; tag?: string; digest?: string } | undefined {
  if (name.length === 0 || name.length > 512) return undefined;
  let rest = name.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const parts = rest.split('/');
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) parts.shift();
  const repository = parts.join('/');
  if (repository === '') return undefined;
  return { repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

const VERSION_TAG = /^v?\d+(\.\d+){0,3}$/;

/**
 * Whether tag `a` names a later release than `b` ("3.20" after "3.19", "v2" after "v1.9"); only for
 * plain dotted-number tags, ordered numerically (PEP 440 release segments) — never as strings.
 */
export function isNewerVersionTag(a: string, b: string): boolean {
  if (!VERSION_TAG.test(a) || !VERSION_TAG.test(b)) return false;
  return compare('pypi', a.replace(/^v/, ''), b.replace(/^v/, '')) > 0;
}

function findingKey(p: ReportPackage, id: string): string {
  return `${p.type}\u0000${p.name}\u0000${id}`;
}

/**
 * Which of this image's packages the base brought: those every location of which lies in the base's
 * layers, or — when the base's layers are not this image's first ones — those the base contains too.
 */
export type FromBase = { readonly layers: number } | { readonly purls: ReadonlySet<string> };

function baseLayerPackages(report: VulnerabilityReport, from: FromBase): ReportPackage[] {
  if ('purls' in from) return report.packages.filter((p) => from.purls.has(p.purl));
  return report.packages.filter((p) => p.locations.length > 0 && p.locations.every((l) => l.layerIndex !== undefined && l.layerIndex < from.layers));
}

/** This image's base-package findings that the candidate base does not have (same package name and vulnerability). */
export function removalsBySwitch(image: VulnerabilityReport, from: FromBase, candidate: VulnerabilityReport): RemovalCounts {
  const kept = new Set<string>();
  for (const p of candidate.packages) for (const v of p.vulnerabilities) kept.add(findingKey(p, v.id));
  const removes = emptyCounts();
  for (const p of baseLayerPackages(image, from)) {
    for (const v of p.vulnerabilities) {
      if (kept.has(findingKey(p, v.id))) continue;
      removes[v.severity]++;
      removes.total++;
    }
  }
  return removes;
}

function byRemovals(a: BaseCandidate, b: BaseCandidate): number {
  for (const s of REPORT_SEVERITIES) if (a.removes[s] !== b.removes[s]) return b.removes[s] - a.removes[s];
  return b.removes.total - a.removes.total || b.pushedAt.localeCompare(a.pushedAt) || a.tag.localeCompare(b.tag);
}

export class BaseImages {
  constructor(private readonly deps: BaseImagesDeps) {}

  /** Records one analyzed platform image under its first layer (idempotent; a re-catalog rewrites it). */
  async indexImage(manifestDigest: string, platform: string, layers: readonly string[]): Promise<void> {
    const first = layers[0];
    if (first === undefined) return;
    await this.deps.db
      .insertInto('image_first_layers')
      .values({ manifest_digest: manifestDigest, platform, first_layer: first, layer_count: layers.length })
      .onConflict((oc) => oc.columns(['manifest_digest', 'platform']).doUpdateSet({ first_layer: first, layer_count: layers.length }))
      .execute();
  }

  /** indexImage, but only writes when the row is missing or stale (read paths call it on every view). */
  async ensureIndexed(manifestDigest: string, platform: string, layers: readonly string[]): Promise<void> {
    const row = await this.deps.db.selectFrom('image_first_layers').select(['first_layer', 'layer_count']).where('manifest_digest', '=', manifestDigest).where('platform', '=', platform).executeTakeFirst();
    if (row && row.first_layer === layers[0] && row.layer_count === layers.length) return;
    await this.indexImage(manifestDigest, platform, layers);
  }

  /** Indexes every finished platform image of a pushed digest (called when its analysis is done). */
  async indexRoot(rootDigest: string): Promise<void> {
    const rows = await this.deps.db.selectFrom('analyses').select(['manifest_digest', 'platform', 'layers']).where('root_digest', '=', rootDigest).where('status', '=', 'done').execute();
    for (const r of rows) await this.indexImage(r.manifest_digest, r.platform, parseLayers(r.layers));
  }

  /** Where a digest is visible to the caller: a readable repository holding it, tagged ones first. */
  private async locate(digests: readonly string[], canRead: (repository: string) => Promise<boolean>): Promise<{ repository: string; digest: string; tags: string[]; pushedAt: string } | undefined> {
    const rows = await this.deps.db.selectFrom('manifests').select(['repository', 'digest', 'created_at']).where('digest', 'in', [...new Set(digests)]).orderBy('repository').limit(100).execute();
    let untagged: { repository: string; digest: string; tags: string[]; pushedAt: string } | undefined;
    for (const r of rows) {
      if (!(await canRead(r.repository))) continue;
      const tags = await this.deps.db.selectFrom('tags').select('name').where('repository', '=', r.repository).where('manifest_digest', '=', r.digest).execute();
      const found = { repository: r.repository, digest: r.digest, tags: preferredTags(tags.map((t) => t.name)), pushedAt: r.created_at };
      if (found.tags.length > 0) return found;
      untagged ??= found;
    }
    return untagged;
  }

  private async fromAnnotations(input: AdviseInput): Promise<DetectedBase | undefined> {
    const rows = await this.deps.db
      .selectFrom('manifests')
      .select('annotations')
      .where('repository', '=', input.repository)
      .where('digest', 'in', [...new Set([input.rootDigest, input.sbom.image.digest])])
      .execute();
    // Manifest annotations win over config labels (buildx writes the former; some builders only the latter).
    const configDigest = input.sbom.image.configDigest;
    const labels = configDigest !== undefined && this.deps.readConfig ? configLabels(await this.deps.readConfig(configDigest).catch(() => undefined)) : {};
    const annotations = Object.assign({}, labels, ...rows.map((r) => parseAnnotations(r.annotations))) as Record<string, string>;
    const named = annotations[BASE_NAME_ANNOTATION] !== undefined ? parseBaseName(annotations[BASE_NAME_ANNOTATION]) : undefined;
    let digest = annotations[BASE_DIGEST_ANNOTATION] ?? named?.digest;
    if (digest === undefined && named?.tag !== undefined && (await input.canRead(named.repository))) {
      const tag = await this.deps.db.selectFrom('tags').select('manifest_digest').where('repository', '=', named.repository).where('name', '=', named.tag).executeTakeFirst();
      digest = tag?.manifest_digest;
    }
    if (digest === undefined || digest === input.rootDigest || digest === input.sbom.image.digest) return undefined;
    // The annotation may name the index or the platform image; the analysis says which platform image it is.
    const analysis =
      (await this.deps.db.selectFrom('analyses').select(['manifest_digest', 'root_digest', 'layers']).where('manifest_digest', '=', digest).where('platform', '=', input.platform).where('status', '=', 'done').executeTakeFirst()) ??
      (await this.deps.db.selectFrom('analyses').select(['manifest_digest', 'root_digest', 'layers']).where('root_digest', '=', digest).where('platform', '=', input.platform).where('status', '=', 'done').executeTakeFirst());
    if (!analysis) return undefined;
    const where = named && (await input.canRead(named.repository)) ? await this.locateIn(named.repository, [digest, analysis.root_digest]) : undefined;
    const found = where ?? (await this.locate([analysis.root_digest, analysis.manifest_digest], input.canRead));
    if (!found) return undefined;
    const tag = named?.tag !== undefined && found.tags.includes(named.tag) ? named.tag : found.tags[0];
    const theirs = parseLayers(analysis.layers);
    const ours = layerDigests(input.sbom);
    const layerPrefix = theirs.length > 0 && theirs.length < ours.length && theirs.every((d, i) => d === ours[i]);
    return {
      repository: found.repository,
      ...(tag !== undefined ? { tag } : {}),
      digest: found.digest,
      manifestDigest: analysis.manifest_digest,
      via: 'annotation',
      layerCount: theirs.length,
      layerPrefix,
      pushedAt: found.pushedAt,
    };
  }

  private async locateIn(repository: string, digests: readonly string[]): Promise<{ repository: string; digest: string; tags: string[]; pushedAt: string } | undefined> {
    return this.locate(digests, (r) => Promise.resolve(r === repository));
  }

  private async fromLayers(input: AdviseInput): Promise<DetectedBase | undefined> {
    const layers = layerDigests(input.sbom);
    const first = layers[0];
    if (first === undefined || layers.length < 2) return undefined;
    // A left join, so index rows of images whose analyses are gone (deleted images) are seen and dropped here.
    const rows = await this.deps.db
      .selectFrom('image_first_layers as f')
      .leftJoin('analyses as a', (j) => j.onRef('a.manifest_digest', '=', 'f.manifest_digest').onRef('a.platform', '=', 'f.platform'))
      .select(['f.manifest_digest', 'f.layer_count', 'a.root_digest', 'a.layers', 'a.status'])
      .where('f.first_layer', '=', first)
      .where('f.platform', '=', input.platform)
      .where('f.layer_count', '<', layers.length)
      .orderBy('f.layer_count', 'desc')
      .orderBy('f.manifest_digest')
      .limit(MAX_PREFIX_ROWS)
      .execute();
    const gone = rows.filter((r) => r.status === null).map((r) => r.manifest_digest);
    if (gone.length > 0) await this.deps.db.deleteFrom('image_first_layers').where('manifest_digest', 'in', gone).where('platform', '=', input.platform).execute();
    let best: DetectedBase | undefined;
    for (const r of rows) {
      if (r.status !== 'done' || r.root_digest === null) continue;
      if (best && r.layer_count < best.layerCount) break;
      const theirs = parseLayers(r.layers);
      if (theirs.length !== r.layer_count || !theirs.every((d, i) => d === layers[i])) continue;
      const found = await this.locate([r.root_digest, r.manifest_digest], input.canRead);
      if (!found) continue;
      const ref: DetectedBase = {
        repository: found.repository,
        ...(found.tags[0] !== undefined ? { tag: found.tags[0] } : {}),
        digest: found.digest,
        manifestDigest: r.manifest_digest,
        via: 'layers',
        layerCount: r.layer_count,
        layerPrefix: true,
        pushedAt: found.pushedAt,
      };
      // Among equally long prefixes: a tagged image, then the most recently pushed.
      if (!best || (best.tag === undefined && ref.tag !== undefined) || (ref.tag !== undefined && (ref.pushedAt ?? '') > (best.pushedAt ?? ''))) best = ref;
    }
    return best;
  }

  /** The base image of an analyzed image, or undefined when none is found that the caller may read. */
  async detect(input: AdviseInput): Promise<BaseImageRef | undefined> {
    const found = await this.detectBase(input);
    if (!found) return undefined;
    const { manifestDigest: _, ...ref } = found;
    return ref;
  }

  private async detectBase(input: AdviseInput): Promise<DetectedBase | undefined> {
    return (await this.fromAnnotations(input)) ?? (await this.fromLayers(input));
  }

  /** The detected base and the base repository's newer analyzed tags (pushed later or higher version tag), most findings removed first. */
  async advise(input: AdviseInput): Promise<BaseImageAdvice | undefined> {
    const detected = await this.detectBase(input);
    if (!detected) return undefined;
    const { manifestDigest, ...current } = detected;
    let from: FromBase = { layers: current.layerCount };
    if (!current.layerPrefix) {
      const sbom = await this.deps.sboms.load(manifestDigest, input.platform);
      from = { purls: new Set((sbom?.packages ?? []).map((p) => p.purl)) };
    }
    const rows = await this.deps.db
      .selectFrom('tags as t')
      .leftJoin('manifests as m', (j) => j.onRef('m.repository', '=', 't.repository').onRef('m.digest', '=', 't.manifest_digest'))
      .select(['t.name', 't.manifest_digest', 't.updated_at', 'm.created_at'])
      .where('t.repository', '=', current.repository)
      .limit(MAX_TAGS)
      .execute();
    const byDigest = new Map<string, { tags: string[]; pushedAt: string }>();
    for (const r of rows) {
      if (r.manifest_digest === current.digest) continue;
      const pushedAt = r.created_at ?? r.updated_at;
      // Newer: pushed later, or a higher version tag pushed earlier (a rebuilt older line does not hide it).
      const newerName = current.tag !== undefined && isNewerVersionTag(r.name, current.tag);
      if (current.pushedAt !== undefined && pushedAt <= current.pushedAt && !newerName) continue;
      const entry = byDigest.get(r.manifest_digest) ?? { tags: [], pushedAt };
      entry.tags.push(r.name);
      byDigest.set(r.manifest_digest, entry);
    }
    // Newest first when there are more than we weigh.
    const newest = [...byDigest.entries()].sort((a, b) => b[1].pushedAt.localeCompare(a[1].pushedAt)).slice(0, MAX_CANDIDATES);
    const candidates: BaseCandidate[] = [];
    for (const [digest, { tags, pushedAt }] of newest) {
      const record = (await this.deps.sboms.analysesOf(digest)).find((a) => a.platform === input.platform && a.status === 'done');
      if (!record) continue;
      const sbom = await this.deps.sboms.load(record.manifestDigest, record.platform);
      if (!sbom) continue;
      const report = await this.deps.reportFor(current.repository, sbom, record.platform);
      const ordered = preferredTags(tags);
      candidates.push({
        repository: current.repository,
        tag: ordered[0] ?? '',
        tags: ordered,
        digest,
        pushedAt,
        summary: report.summary,
        removes: removalsBySwitch(input.report, from, report),
      });
    }
    candidates.sort(byRemovals);
    return { current, candidates };
  }
}
