/**
 * Matches analyzed images against the vulnerability data and keeps the outcome per repository and
 * image (manifest + platform): the report the API serves, the severity summary the tags list shows,
 * and the findings with the time each first applied. Every evaluation that changes the findings is
 * recorded as a history event (the tag timeline), and a re-evaluation that changed anything is
 * announced on ImageEvents (webhooks). Nothing here reads a layer: SBOMs are stored.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { defaultAnalysis } from '../analysis/api/analyzed-image.js';
import type { VulnerabilitySummaryProvider } from '../analysis/api/analysis-routes.js';
import type { SbomStore } from '../analysis/store/sbom-store.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { ImageSbom } from '../model/sbom.js';
import { emptySummary, reportSeverity, type SeveritySummary } from '../reports/severity.js';
import { buildVulnerabilityReport, type VulnerabilityReport } from '../reports/vulnerability-report.js';
import type { Finding } from '../vulndb/match/finding.js';
import { lookupKey, VulnMatcher } from '../vulndb/match/matcher.js';
import type { VulnDb } from '../vulndb/vulndb-store.js';
import type { FindingChange, FindingRef, ImageEvents } from './image-events.js';

/** A finding as stored with an evaluation: enough to diff the next one and to say since when it applies. */
export interface StoredFinding extends FindingRef {
  readonly fixed: boolean;
  readonly since: string;
}

export interface EvaluationDiff {
  readonly added: readonly FindingRef[];
  readonly removed: readonly FindingRef[];
  readonly changed: readonly FindingChange[];
}

export interface TimelineEntry extends EvaluationDiff {
  readonly at: string;
  readonly revision: number;
  readonly kind: 'analysis' | 'reevaluation';
  readonly summary: SeveritySummary;
}

export interface Matched {
  readonly sbom: ImageSbom;
  readonly findings: readonly Finding[];
  readonly revision: number;
  readonly updatedAt: string | undefined;
}

const KEY_CHUNK = 400;

function findingKey(f: Finding): string {
  return `${f.package.purl} ${f.id}`;
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function refOf(f: StoredFinding): FindingRef {
  return { id: f.id, severity: f.severity, package: f.package, fixedVersions: f.fixedVersions };
}

/** What changed between two finding sets: new, gone, and kept ones whose severity changed or that became fixable. */
export function diffFindings(before: Readonly<Record<string, StoredFinding>>, after: Readonly<Record<string, StoredFinding>>): EvaluationDiff {
  const added: FindingRef[] = [];
  const changed: FindingChange[] = [];
  for (const [key, f] of Object.entries(after)) {
    const old = before[key];
    if (!old) {
      added.push(refOf(f));
      continue;
    }
    const severityChanged = old.severity !== f.severity;
    const fixAvailable = !old.fixed && f.fixed;
    if (severityChanged || fixAvailable) {
      changed.push({ ...refOf(f), ...(severityChanged ? { previousSeverity: old.severity } : {}), ...(fixAvailable ? { fixAvailable: true } : {}) });
    }
  }
  const removed = Object.entries(before)
    .filter(([key]) => !(key in after))
    .map(([, f]) => refOf(f));
  return { added, removed, changed };
}

export const isEmptyDiff = (d: EvaluationDiff): boolean => d.added.length + d.removed.length + d.changed.length === 0;

export class ImageEvaluator implements VulnerabilitySummaryProvider {
  readonly matcher: VulnMatcher;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sboms: SbomStore,
    private readonly vulndb: VulnDb,
    private readonly events?: ImageEvents,
  ) {
    this.matcher = new VulnMatcher(vulndb);
  }

  /** Matches an SBOM against the current data (no storage). */
  async match(sbom: ImageSbom): Promise<Matched> {
    const current = await this.vulndb.currentRevision();
    const findings = await this.matcher.match(sbom.packages, sbom.distro);
    return { sbom, findings, revision: current.revision, updatedAt: current.updatedAt };
  }

  /**
   * Stores `matched` as the repository's evaluation of the image and records the change as a history
   * event (always for the first evaluation). Returns the report served from now on and the diff.
   */
  async store(
    repository: string,
    platform: string,
    matched: Matched,
    kind: 'analysis' | 'reevaluation',
  ): Promise<{ report: VulnerabilityReport; diff: EvaluationDiff; first: boolean }> {
    const { sbom, findings } = matched;
    const evaluatedAt = new Date().toISOString();
    const previous = await this.db
      .selectFrom('evaluations')
      .select('findings')
      .where('repository', '=', repository)
      .where('manifest_digest', '=', sbom.image.digest)
      .where('platform', '=', platform)
      .executeTakeFirst();
    const before = previous ? parseJson<Record<string, StoredFinding>>(previous.findings, {}) : {};
    const after: Record<string, StoredFinding> = {};
    for (const f of findings) {
      const key = findingKey(f);
      if (key in after) continue;
      const p = f.package;
      after[key] = {
        id: f.id,
        severity: reportSeverity(f.severity),
        package: { name: p.name, version: p.version, type: p.type, purl: p.purl },
        fixedVersions: f.fixedVersions,
        fixed: f.status === 'fixed',
        since: before[key]?.since ?? evaluatedAt,
      };
    }
    const base = buildVulnerabilityReport(sbom, findings, {
      evaluatedAt,
      db: { version: matched.revision, ...(matched.updatedAt ? { updatedAt: matched.updatedAt } : {}) },
    });
    const report: VulnerabilityReport = {
      ...base,
      packages: base.packages.map((p) => ({
        ...p,
        vulnerabilities: p.vulnerabilities.map((v) => {
          const since = after[`${p.purl} ${v.id}`]?.since;
          return since !== undefined ? { ...v, since } : v;
        }),
      })),
    };
    const diff = diffFindings(before, after);
    const row = {
      revision: matched.revision,
      matcher_version: this.matcher.version,
      evaluated_at: evaluatedAt,
      summary: JSON.stringify(report.summary),
      findings: JSON.stringify(after),
      report: JSON.stringify(report),
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('evaluations')
        .values({ repository, manifest_digest: sbom.image.digest, platform, ...row })
        .onConflict((oc) => oc.columns(['repository', 'manifest_digest', 'platform']).doUpdateSet(row))
        .execute();
      if (previous === undefined || !isEmptyDiff(diff)) {
        await trx
          .insertInto('evaluation_events')
          .values({
            id: randomUUID(),
            repository,
            manifest_digest: sbom.image.digest,
            platform,
            at: evaluatedAt,
            revision: matched.revision,
            kind: previous === undefined ? 'analysis' : kind,
            added: JSON.stringify(diff.added),
            removed: JSON.stringify(diff.removed),
            changed: JSON.stringify(diff.changed),
            summary: row.summary,
          })
          .execute();
      }
    });
    await this.ensureMatchKeys(sbom, platform);
    if (kind === 'reevaluation' && previous !== undefined && !isEmptyDiff(diff)) await this.announce(repository, platform, sbom, matched.revision, evaluatedAt, diff, report.summary);
    return { report, diff, first: previous === undefined };
  }

  /** Matches and stores in one step (first evaluation after analysis, or on first view). */
  async evaluate(repository: string, sbom: ImageSbom, platform: string): Promise<{ report: VulnerabilityReport; diff: EvaluationDiff }> {
    return this.store(repository, platform, await this.match(sbom), 'analysis');
  }

  /** The stored report of the repository's evaluation of an image, else a fresh evaluation. */
  async reportFor(repository: string, sbom: ImageSbom, platform: string): Promise<VulnerabilityReport> {
    const stored = await this.db
      .selectFrom('evaluations')
      .select('report')
      .where('repository', '=', repository)
      .where('manifest_digest', '=', sbom.image.digest)
      .where('platform', '=', platform)
      .executeTakeFirst();
    const report = stored ? parseJson<VulnerabilityReport | undefined>(stored.report, undefined) : undefined;
    return report ?? (await this.evaluate(repository, sbom, platform)).report;
  }

  /** Repositories with a tag on this pushed digest (one analysis serves them all). */
  async repositoriesTagging(rootDigest: string): Promise<string[]> {
    const rows = await this.db.selectFrom('tags').select('repository').distinct().where('manifest_digest', '=', rootDigest).orderBy('repository').execute();
    return rows.map((r) => r.repository);
  }

  /**
   * Evaluates every analyzed platform of a pushed image for a repository after its analysis finished
   * (the SBOM may be new: a re-catalog replaces it, so the image's match keys are rebuilt).
   */
  async evaluateRoot(repository: string, rootDigest: string): Promise<void> {
    for (const record of await this.sboms.analysesOf(rootDigest)) {
      if (record.status !== 'done') continue;
      const sbom = await this.sboms.load(record.manifestDigest, record.platform);
      if (!sbom) continue;
      await this.db.deleteFrom('image_match_keys').where('manifest_digest', '=', sbom.image.digest).where('platform', '=', record.platform).execute();
      await this.evaluate(repository, sbom, record.platform);
    }
  }

  /** The stored summary of a pushed digest's default platform, evaluating it first when it never was. */
  async summaryFor(repository: string, rootDigest: string): Promise<{ summary: SeveritySummary; evaluatedAt: string } | undefined> {
    const record = defaultAnalysis(await this.sboms.analysesOf(rootDigest));
    if (!record || record.status !== 'done') return undefined;
    const stored = await this.db
      .selectFrom('evaluations')
      .select(['summary', 'evaluated_at'])
      .where('repository', '=', repository)
      .where('manifest_digest', '=', record.manifestDigest)
      .where('platform', '=', record.platform)
      .executeTakeFirst();
    if (stored) return { summary: parseJson(stored.summary, emptySummary()), evaluatedAt: stored.evaluated_at };
    const sbom = await this.sboms.load(record.manifestDigest, record.platform);
    if (!sbom) return undefined;
    const { report } = await this.evaluate(repository, sbom, record.platform);
    return { summary: report.summary, evaluatedAt: report.evaluatedAt };
  }

  /** The history of the repository's evaluations of an image, oldest first. */
  async timeline(repository: string, manifestDigest: string, platform: string): Promise<TimelineEntry[]> {
    const rows = await this.db
      .selectFrom('evaluation_events')
      .selectAll()
      .where('repository', '=', repository)
      .where('manifest_digest', '=', manifestDigest)
      .where('platform', '=', platform)
      .orderBy('at')
      .execute();
    return rows.map((r) => ({
      at: r.at,
      revision: r.revision,
      kind: r.kind === 'analysis' ? 'analysis' : 'reevaluation',
      added: parseJson<FindingRef[]>(r.added, []),
      removed: parseJson<FindingRef[]>(r.removed, []),
      changed: parseJson<FindingChange[]>(r.changed, []),
      summary: parseJson(r.summary, emptySummary()),
    }));
  }

  /** Records the (ecosystem, name) keys the matcher looks the image up by, once per image. */
  private async ensureMatchKeys(sbom: ImageSbom, platform: string): Promise<void> {
    const known = await this.db
      .selectFrom('image_match_keys')
      .select('name')
      .where('manifest_digest', '=', sbom.image.digest)
      .where('platform', '=', platform)
      .limit(1)
      .executeTakeFirst();
    if (known) return;
    const keys = new Map<string, { ecosystem: string; name: string }>();
    for (const p of sbom.packages) {
      const k = lookupKey(p, sbom.distro);
      if (k) keys.set(`${k.ecosystem}\u0000${k.name}`, { ecosystem: k.ecosystem, name: k.name });
    }
    const rows = [...keys.values()].map((k) => ({ manifest_digest: sbom.image.digest, platform, ...k }));
    for (let i = 0; i < rows.length; i += KEY_CHUNK) {
      await this.db.insertInto('image_match_keys').values(rows.slice(i, i + KEY_CHUNK)).onConflict((oc) => oc.doNothing()).execute();
    }
  }

  private async announce(
    repository: string,
    platform: string,
    sbom: ImageSbom,
    revision: number,
    evaluatedAt: string,
    diff: EvaluationDiff,
    summary: SeveritySummary,
  ): Promise<void> {
    if (!this.events) return;
    const root = await this.db
      .selectFrom('analyses')
      .select('root_digest')
      .where('manifest_digest', '=', sbom.image.digest)
      .where('platform', '=', platform)
      .executeTakeFirst();
    const rootDigest = root?.root_digest ?? sbom.image.digest;
    const tags = await this.db
      .selectFrom('tags')
      .select('name')
      .where('repository', '=', repository)
      .where('manifest_digest', '=', rootDigest)
      .orderBy('name')
      .execute();
    this.events.emit('vulnerabilitiesChanged', {
      manifestDigest: sbom.image.digest,
      platform,
      targets: [{ repository, rootDigest, tags: tags.map((t) => t.name) }],
      revision,
      evaluatedAt,
      ...diff,
      summary,
    });
  }
}
