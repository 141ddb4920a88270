/**
 * What the rest of Crowsnest uses of the vulnerability database: `createVulnService(db)` gives the
 * matcher (`findingsFor(imageSbom)`), lookups by any id (`describeVulnerability`, `getVulnerability`), the revision and status
 * (for "db: {version, updatedAt}" in reports) and imports/updates. One instance per process so the
 * matcher's per-revision cache is shared.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../metadata/kysely/schema/index.js';
import type { ImageSbom } from '../model/sbom.js';
import { describeVulnerability, type VulnerabilityView } from './describe.js';
import { feedsFromEnv, type Feed } from './feeds.js';
import type { Finding } from './match/finding.js';
import { VulnMatcher } from './match/matcher.js';
import { updateFeeds, type FeedOutcome, type UpdateOptions } from './update.js';
import { VulnDb, type DbStatus } from './vulndb-store.js';

export type { Advisory, Affected, AffectedRange, AffectedStatus, Cvss, CveMetrics, Severity } from './advisory.js';
export type { Finding, FindingStatus } from './match/finding.js';
export { SEVERITY_ORDER } from './match/finding.js';
export type { DbStatus, ImportResult, SourceStatus } from './vulndb-store.js';
export type { Feed, FeedOutcome, VulnerabilityView };
export { VulnDb, VulnMatcher };
export { MATCHER_VERSION } from './match/matcher.js';

export interface VulnService {
  readonly store: VulnDb;
  readonly matcher: VulnMatcher;
  /** Every finding for the packages of one analyzed image, matched within its distro release. */
  findingsFor(sbom: ImageSbom): Promise<Finding[]>;
  /** The vulnerability by any of its ids (CVE, GHSA, GO-, PYSEC-, DSA …): every source's record, aliases and CVE metrics. */
  getVulnerability(idOrAlias: string): ReturnType<VulnDb['getVulnerability']>;
  /** The merged CONTRACT.md view (`GET /api/v1/vulnerabilities/{id}` without `images`), by any id. */
  describeVulnerability(idOrAlias: string): Promise<VulnerabilityView | undefined>;
  /** Monotonic; changes whenever an import changed data (part of a findings cache key). */
  revision(): Promise<number>;
  status(): Promise<DbStatus>;
  /** Pulls the configured feeds (CROWSNEST_VULNDB_* environment) or the given ones. */
  update(feeds?: readonly Feed[], opts?: UpdateOptions): Promise<FeedOutcome[]>;
}

export function createVulnService(db: Kysely<Database>): VulnService {
  const store = new VulnDb(db);
  const matcher = new VulnMatcher(store);
  return {
    store,
    matcher,
    findingsFor: (sbom) => matcher.match(sbom.packages, sbom.distro),
    getVulnerability: (id) => store.getVulnerability(id),
    describeVulnerability: (id) => describeVulnerability(store, id),
    revision: () => store.revision(),
    status: () => store.status(),
    update: (feeds, opts) => updateFeeds(store, feeds ?? feedsFromEnv(), opts),
  };
}
