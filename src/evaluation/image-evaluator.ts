/**
 * Matches analyzed images against the vulnerability data and remembers the outcome per image
 * (manifest + platform): the severity summary, the set of (package, advisory) findings and the data
 * revision used. The tags list reads those stored summaries; a full report is built on request;
 * re-evaluation after a data update compares finding sets to say what changed — without reading
 * any layer again, since the SBOM is stored.
 */
import type { Kysely } from 'kysely';
import type { SbomStore } from '../analysis/store/sbom-store.js';
import { defaultAnalysis } from '../analysis/api/analyzed-image.js';
import type { VulnerabilitySummaryProvider } from '../analysis/api/analysis-routes.js';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { ImageSbom } from '../model/sbom.js';
import { emptySummary, type SeveritySummary } from '../reports/severity.js';
import { buildVulnerabilityReport, type VulnerabilityReport } from '../reports/vulnerability-report.js';
import type { Finding } from '../vulndb/match/finding.js';
import { VulnMatcher } from '../vulndb/match/matcher.js';
import type { VulnDb } from '../vulndb/vulndb-store.js';

export interface Evaluation {
  readonly sbom: ImageSbom;
  readonly findings: readonly Finding[];
  readonly report: VulnerabilityReport;
}

export interface EvaluationChange {
  readonly manifestDigest: string;
  readonly platform: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly summary: SeveritySummary;
}

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

export class ImageEvaluator implements VulnerabilitySummaryProvider {
  private readonly matcher: VulnMatcher;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly sboms: SbomStore,
    private readonly vulndb: VulnDb,
  ) {
    this.matcher = new VulnMatcher(vulndb);
  }

  /** Matches one SBOM now and stores the outcome; returns what changed against the stored one. */
  async evaluate(sbom: ImageSbom, platform: string): Promise<Evaluation & { change: EvaluationChange }> {
    const status = await this.vulndb.status();
    const findings = await this.matcher.match(sbom.packages, sbom.distro);
    const evaluatedAt = new Date().toISOString();
    const report = buildVulnerabilityReport(sbom, findings, {
      evaluatedAt,
      db: { version: status.revision, ...(status.updatedAt ? { updatedAt: status.updatedAt } : {}) },
    });
    const keys = [...new Set(findings.map(findingKey))].sort();
    const previous = await this.db
      .selectFrom('image_evaluations')
      .select('finding_keys')
      .where('manifest_digest', '=', sbom.image.digest)
      .where('platform', '=', platform)
      .executeTakeFirst();
    const before = new Set(previous ? parseJson<string[]>(previous.finding_keys, []) : []);
    const after = new Set(keys);
    const row = {
      revision: status.revision,
      evaluated_at: evaluatedAt,
      summary: JSON.stringify(report.summary),
      finding_keys: JSON.stringify(keys),
    };
    await this.db
      .insertInto('image_evaluations')
      .values({ manifest_digest: sbom.image.digest, platform, ...row })
      .onConflict((oc) => oc.columns(['manifest_digest', 'platform']).doUpdateSet(row))
      .execute();
    return {
      sbom,
      findings,
      report,
      change: {
        manifestDigest: sbom.image.digest,
        platform,
        added: keys.filter((k) => !before.has(k)),
        removed: [...before].filter((k) => !after.has(k)),
        summary: report.summary,
      },
    };
  }

  /** The stored summary of a pushed digest's default platform, evaluating it first when it never was. */
  async summaryFor(rootDigest: string): Promise<{ summary: SeveritySummary; evaluatedAt: string } | undefined> {
    const record = defaultAnalysis(await this.sboms.analysesOf(rootDigest));
    if (!record || record.status !== 'done') return undefined;
    const stored = await this.db
      .selectFrom('image_evaluations')
      .select(['summary', 'evaluated_at'])
      .where('manifest_digest', '=', record.manifestDigest)
      .where('platform', '=', record.platform)
      .executeTakeFirst();
    if (stored) return { summary: parseJson(stored.summary, emptySummary()), evaluatedAt: stored.evaluated_at };
    const sbom = await this.sboms.load(record.manifestDigest, record.platform);
    if (!sbom) return undefined;
    const { report } = await this.evaluate(sbom, record.platform);
    return { summary: report.summary, evaluatedAt: report.evaluatedAt };
  }

  /** Images whose stored evaluation used an older data revision than `revision` (re-evaluation work list). */
  async staleImages(revision: number): Promise<{ manifestDigest: string; platform: string }[]> {
    const rows = await this.db
      .selectFrom('image_evaluations')
      .select(['manifest_digest', 'platform'])
      .where('revision', '<', revision)
      .execute();
    return rows.map((r) => ({ manifestDigest: r.manifest_digest, platform: r.platform }));
  }
}
