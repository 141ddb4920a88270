/**
 * The SBOM store on the shared metadata database, normalized: one `analyses` row per platform image
 * (status, reason, distro, layers), deduplicated `packages` rows (content-hashed ids) and
 * `image_packages` links with per-image locations. Loading an SBOM is two queries; "which images
 * contain package X of ecosystem E" is one query on the packages(ecosystem, name) index.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Digest } from '../../core/digest.js';
import type { Database } from '../../metadata/kysely/schema/index.js';
import type { Distro } from '../../model/distro.js';
import type { Package, PackageLocation, PackageType } from '../../model/package.js';
import type { ImageSbom, Platform, SbomLayer } from '../../model/sbom.js';

export const ANALYSIS_STATUSES = ['queued', 'running', 'done', 'failed', 'unsupported'] as const;
export type AnalysisStatus = (typeof ANALYSIS_STATUSES)[number];

export interface AnalysisRecord {
  readonly id: string;
  readonly manifestDigest: string;
  readonly rootDigest: string;
  /** "linux/amd64"; "" when the manifest declares none. */
  readonly platform: string;
  readonly status: AnalysisStatus;
  readonly reason: string | undefined;
  readonly catalogerSet: string;
  readonly distro: Distro | undefined;
  readonly queuedAt: string;
  readonly startedAt: string | undefined;
  readonly finishedAt: string | undefined;
}

export interface ImageWithPackage {
  readonly manifestDigest: string;
  readonly rootDigest: string;
  readonly platform: string;
  readonly name: string;
  readonly version: string;
  readonly purl: string;
  readonly ecosystem: string;
}

const CHUNK = 200;

export function platformString(p: Platform | undefined): string {
  if (!p) return '';
  return [p.os, p.architecture, p.variant].filter((s) => s !== undefined && s !== '').join('/');
}

export function parsePlatform(s: string): Platform | undefined {
  const [os, architecture, variant] = s.split('/');
  if (!os || !architecture) return undefined;
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** Ecosystem a package is indexed under: its OSV ecosystem, else its purl type. */
export function packageEcosystem(p: Package): string {
  return p.ecosystem ?? p.type;
}

function packageId(p: Package): string {
  const identity = [p.type, packageEcosystem(p), p.name, p.version, p.purl, p.source?.name ?? '', p.source?.version ?? '', JSON.stringify(p.licenses), JSON.stringify(p.metadata ?? null), p.foundBy];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 40);
}

function parseJson<T>(s: string | null, fallback: T): T {
  if (s === null) return fallback;
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}

type AnalysisRow = Database['analyses'];

/** A stored package as read back (licenses and metadata only where the query selected them). */
function packageFromRow(r: {
  type: string;
  ecosystem: string;
  name: string;
  version: string;
  purl: string;
  source_name: string | null;
  source_version: string | null;
  found_by: string;
  locations: string;
  licenses?: string;
  metadata?: string | null;
}): Package {
  const metadata = r.metadata != null ? parseJson<Record<string, unknown> | undefined>(r.metadata, undefined) : undefined;
  return {
    name: r.name,
    version: r.version,
    type: r.type as PackageType,
    purl: r.purl,
    // Packages stored without an OSV ecosystem are indexed under their type; they load without one.
    ...(r.ecosystem !== r.type ? { ecosystem: r.ecosystem } : {}),
    ...(r.source_name !== null ? { source: { name: r.source_name, ...(r.source_version !== null ? { version: r.source_version } : {}) } } : {}),
    licenses: r.licenses !== undefined ? parseJson<string[]>(r.licenses, []) : [],
    locations: parseJson<PackageLocation[]>(r.locations, []),
    foundBy: r.found_by,
    ...(metadata !== undefined ? { metadata } : {}),
  };
}

/** The SBOM of an analysis row with its packages; `full` adds the config digest and the layers. */
function sbomOf(a: AnalysisRow, packages: Package[], full: boolean): ImageSbom {
  const [toolName, toolVersion] = (a.tool_version ?? 'crowsnest@0').split('@');
  const platformValue = parsePlatform(a.platform);
  const distro = parseJson<Distro | undefined>(a.distro, undefined);
  return {
    image: {
      digest: a.manifest_digest as Digest,
      ...(platformValue ? { platform: platformValue } : {}),
      ...(full && a.config_digest !== null ? { configDigest: a.config_digest as Digest } : {}),
      layers: full ? parseJson<SbomLayer[]>(a.layers, []) : [],
    },
    ...(distro ? { distro } : {}),
    packages,
    analyzedAt: a.finished_at ?? a.queued_at,
    tool: { name: toolName ?? 'crowsnest', version: toolVersion ?? '0' },
  };
}

function toRecord(r: AnalysisRow): AnalysisRecord {
  return {
    id: r.id,
    manifestDigest: r.manifest_digest,
    rootDigest: r.root_digest,
    platform: r.platform,
    status: r.status as AnalysisStatus,
    reason: r.reason ?? undefined,
    catalogerSet: r.cataloger_set,
    distro: parseJson<Distro | undefined>(r.distro, undefined),
    queuedAt: r.queued_at,
    startedAt: r.started_at ?? undefined,
    finishedAt: r.finished_at ?? undefined,
  };
}

export class SbomStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Creates or resets the analysis row of one platform image to `status` (queued/running/unsupported). */
  async setStatus(
    image: { manifestDigest: string; rootDigest: string; platform: string },
    status: AnalysisStatus,
    opts: { catalogerSet: string; reason?: string },
  ): Promise<void> {
    const now = new Date().toISOString();
    const terminal = status === 'done' || status === 'failed' || status === 'unsupported';
    await this.db
      .insertInto('analyses')
      .values({
        id: randomUUID(),
        manifest_digest: image.manifestDigest,
        root_digest: image.rootDigest,
        platform: image.platform,
        status,
        reason: opts.reason ?? null,
        cataloger_set: opts.catalogerSet,
        config_digest: null,
        layers: null,
        distro_id: null,
        distro_version: null,
        distro_ecosystem: null,
        distro: null,
        tool_version: null,
        queued_at: now,
        started_at: status === 'running' ? now : null,
        finished_at: terminal ? now : null,
      })
      .onConflict((oc) =>
        oc.columns(['manifest_digest', 'platform']).doUpdateSet({
          root_digest: image.rootDigest,
          status,
          reason: opts.reason ?? null,
          cataloger_set: opts.catalogerSet,
          ...(status === 'queued' ? { queued_at: now, started_at: null, finished_at: null } : {}),
          ...(status === 'running' ? { started_at: now, finished_at: null } : {}),
          ...(terminal ? { finished_at: now } : {}),
        }),
      )
      .execute();
  }

  /** Stores a finished analysis: replaces the image's package links in one transaction. */
  async saveResult(rootDigest: string, sbom: ImageSbom, catalogerSet: string): Promise<void> {
    const platform = platformString(sbom.image.platform);
    await this.setStatus({ manifestDigest: sbom.image.digest, rootDigest, platform }, 'running', { catalogerSet });
    await this.db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('analyses')
        .select('id')
        .where('manifest_digest', '=', sbom.image.digest)
        .where('platform', '=', platform)
        .executeTakeFirstOrThrow();
      await tx.deleteFrom('image_packages').where('analysis_id', '=', row.id).execute();
      const links = new Map<string, { pkg: Package; locations: PackageLocation[] }>();
      for (const p of sbom.packages) {
        const id = packageId(p);
        const have = links.get(id);
        if (have) have.locations.push(...p.locations);
        else links.set(id, { pkg: p, locations: [...p.locations] });
      }
      const entries = [...links.entries()];
      for (let i = 0; i < entries.length; i += CHUNK) {
        const chunk = entries.slice(i, i + CHUNK);
        await tx
          .insertInto('packages')
          .values(
            chunk.map(([id, { pkg }]) => ({
              id,
              type: pkg.type,
              ecosystem: packageEcosystem(pkg),
              name: pkg.name,
              version: pkg.version,
              purl: pkg.purl,
              source_name: pkg.source?.name ?? null,
              source_version: pkg.source?.version ?? null,
              licenses: JSON.stringify(pkg.licenses),
              metadata: pkg.metadata === undefined ? null : JSON.stringify(pkg.metadata),
              found_by: pkg.foundBy,
            })),
          )
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
        await tx
          .insertInto('image_packages')
          .values(chunk.map(([id, { locations }]) => ({ analysis_id: row.id, package_id: id, locations: JSON.stringify(locations) })))
          .execute();
      }
      await tx
        .updateTable('analyses')
        .set({
          status: 'done',
          reason: null,
          root_digest: rootDigest,
          config_digest: sbom.image.configDigest ?? null,
          layers: JSON.stringify(sbom.image.layers),
          distro_id: sbom.distro?.id ?? null,
          distro_version: sbom.distro?.versionId ?? null,
          distro_ecosystem: sbom.distro?.ecosystem ?? null,
          distro: sbom.distro === undefined ? null : JSON.stringify(sbom.distro),
          tool_version: `${sbom.tool.name}@${sbom.tool.version}`,
          finished_at: sbom.analyzedAt,
        })
        .where('id', '=', row.id)
        .execute();
    });
  }

  /** Every platform analysis of a pushed digest (an index or a single manifest). */
  async analysesOf(rootDigest: string): Promise<AnalysisRecord[]> {
    const rows = await this.db.selectFrom('analyses').selectAll().where('root_digest', '=', rootDigest).orderBy('platform').execute();
    return rows.map(toRecord);
  }

  /** Analyses for many root digests at once (the tags list), keyed by root digest. */
  async analysesOfMany(rootDigests: readonly string[]): Promise<Map<string, AnalysisRecord[]>> {
    const out = new Map<string, AnalysisRecord[]>();
    for (let i = 0; i < rootDigests.length; i += CHUNK) {
      const chunk = rootDigests.slice(i, i + CHUNK);
      if (chunk.length === 0) continue;
      const rows = await this.db.selectFrom('analyses').selectAll().where('root_digest', 'in', chunk).execute();
      for (const r of rows) {
        const list = out.get(r.root_digest) ?? [];
        list.push(toRecord(r));
        out.set(r.root_digest, list);
      }
    }
    return out;
  }

  async analysis(manifestDigest: string, platform: string): Promise<AnalysisRecord | undefined> {
    const r = await this.db
      .selectFrom('analyses')
      .selectAll()
      .where('manifest_digest', '=', manifestDigest)
      .where('platform', '=', platform)
      .executeTakeFirst();
    return r ? toRecord(r) : undefined;
  }

  /** The stored SBOM of a finished platform analysis (two queries), or undefined when not done. */
  async load(manifestDigest: string, platform: string): Promise<ImageSbom | undefined> {
    const a = await this.db
      .selectFrom('analyses')
      .selectAll()
      .where('manifest_digest', '=', manifestDigest)
      .where('platform', '=', platform)
      .executeTakeFirst();
    if (a?.status !== 'done') return undefined;
    const rows = await this.db
      .selectFrom('image_packages as ip')
      .innerJoin('packages as p', 'p.id', 'ip.package_id')
      .select(['p.type', 'p.ecosystem', 'p.name', 'p.version', 'p.purl', 'p.source_name', 'p.source_version', 'p.licenses', 'p.metadata', 'p.found_by', 'ip.locations'])
      .where('ip.analysis_id', '=', a.id)
      .orderBy('p.name')
      .orderBy('p.version')
      .execute();
    const packages = rows.map(packageFromRow);
    return sbomOf(a, packages, true);
  }

  /**
   * The stored SBOMs of many finished platform analyses as vulnerability matching needs them (two
   * queries per chunk instead of two per image): packages without licenses and metadata, which
   * matching never reads; keyed by "manifestDigest platform".
   */
  async loadForMatching(images: readonly { manifestDigest: string; platform: string }[]): Promise<Map<string, ImageSbom>> {
    const out = new Map<string, ImageSbom>();
    for (let i = 0; i < images.length; i += CHUNK) {
      const part = images.slice(i, i + CHUNK);
      const wanted = new Set(part.map((p) => `${p.manifestDigest} ${p.platform}`));
      const analyses = (
        await this.db
          .selectFrom('analyses')
          .selectAll()
          .where('manifest_digest', 'in', [...new Set(part.map((p) => p.manifestDigest))])
          .where('status', '=', 'done')
          .execute()
      ).filter((a) => wanted.has(`${a.manifest_digest} ${a.platform}`));
      if (analyses.length === 0) continue;
      const packages = new Map<string, Package[]>(analyses.map((a) => [a.id, []]));
      const rows = await this.db
        .selectFrom('image_packages as ip')
        .innerJoin('packages as p', 'p.id', 'ip.package_id')
        .select(['ip.analysis_id', 'p.type', 'p.ecosystem', 'p.name', 'p.version', 'p.purl', 'p.source_name', 'p.source_version', 'p.found_by', 'ip.locations'])
        .where('ip.analysis_id', 'in', analyses.map((a) => a.id))
        .orderBy('ip.analysis_id')
        .orderBy('p.name')
        .orderBy('p.version')
        .execute();
      for (const r of rows) {
        packages.get(r.analysis_id)?.push(packageFromRow(r));
      }
      for (const a of analyses) out.set(`${a.manifest_digest} ${a.platform}`, sbomOf(a, packages.get(a.id) ?? [], false));
    }
    return out;
  }

  /**
   * Forgets the analyses of a pushed digest (its manifest is gone from every repository). Package
   * rows stay: they are shared and cheap; only the image links go.
   */
  async deleteRoot(rootDigest: string): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const ids = (await tx.selectFrom('analyses').select('id').where('root_digest', '=', rootDigest).execute()).map((r) => r.id);
      if (ids.length === 0) return 0;
      await tx.deleteFrom('image_packages').where('analysis_id', 'in', ids).execute();
      await tx.deleteFrom('analyses').where('id', 'in', ids).execute();
      return ids.length;
    });
  }

  /** Pushed digests with an analysis made by another cataloger set (re-cataloged in the background). */
  async staleRoots(catalogerSet: string, limit = 10_000): Promise<string[]> {
    const rows = await this.db
      .selectFrom('analyses')
      .select('root_digest')
      .where('cataloger_set', '<>', catalogerSet)
      .groupBy('root_digest')
      .limit(limit)
      .execute();
    return rows.map((r) => r.root_digest);
  }

  /** Which analyzed images contain package `name` of `ecosystem` (indexed on packages(ecosystem, name)). */
  async imagesWithPackage(ecosystem: string, name: string): Promise<ImageWithPackage[]> {
    const rows = await this.db
      .selectFrom('packages as p')
      .innerJoin('image_packages as ip', 'ip.package_id', 'p.id')
      .innerJoin('analyses as a', 'a.id', 'ip.analysis_id')
      .select(['a.manifest_digest', 'a.root_digest', 'a.platform', 'p.name', 'p.version', 'p.purl', 'p.ecosystem'])
      .where('p.ecosystem', '=', ecosystem)
      .where('p.name', '=', name)
      .where('a.status', '=', 'done')
      .execute();
    return rows.map((r) => ({
      manifestDigest: r.manifest_digest,
      rootDigest: r.root_digest,
      platform: r.platform,
      name: r.name,
      version: r.version,
      purl: r.purl,
      ecosystem: r.ecosystem,
    }));
  }
}
