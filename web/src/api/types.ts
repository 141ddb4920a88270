/**
 * The JSON shapes of /api/v1 as CONTRACT.md documents them (plus the few the UI assumes ahead of their
 * endpoints; web/README.md lists those). One place so pages and the contract can be compared line by line.
 */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type SeveritySummary = Record<Severity, number>;

export type AnalysisLevel = 'none' | 'basic' | 'advanced';
export type AnalysisStatus = 'none' | 'queued' | 'running' | 'done' | 'failed' | 'unsupported';

export interface RepositorySettings {
  readonly analysis: AnalysisLevel;
  readonly updatedAt?: string;
  readonly updatedBy?: string;
}

/** `GET /api/v1/repositories` (assumed; until it exists the list comes from /v2/_catalog). */
export interface RepositorySummary {
  readonly name: string;
  readonly visibility?: 'public' | 'private';
  readonly summary?: SeveritySummary;
}

/** `GET /api/v1/repositories/{ns}/{name}`; `permissions` is assumed (lets the UI show settings read-only up front). */
export interface RepositoryInfo {
  readonly name?: string;
  readonly visibility?: 'public' | 'private';
  readonly permissions?: { readonly admin?: boolean; readonly push?: boolean };
}

export interface TagAnalysis {
  readonly status: AnalysisStatus;
  readonly summary?: SeveritySummary | null;
  readonly evaluatedAt?: string | null;
}

/** One row of `GET /api/v1/repositories/{ns}/{name}/tags`. */
export interface TagInfo {
  readonly name: string;
  readonly digest: string;
  readonly pushedAt?: string | null;
  readonly platforms?: readonly string[];
  readonly size?: number;
  readonly analysis?: TagAnalysis;
}

export interface PackageLocation {
  readonly path: string;
  readonly layerDigest?: string;
  readonly layerIndex?: number;
  readonly createdBy?: string;
}

export interface Cvss {
  readonly score?: number | null;
  readonly vector?: string | null;
}

export interface PackageVulnerability {
  readonly id: string;
  readonly aliases?: readonly string[];
  readonly severity: Severity;
  readonly cvss?: Cvss | null;
  readonly fixedVersions?: readonly string[];
  readonly source?: string;
  readonly url?: string;
}

export interface VulnerablePackage {
  readonly purl?: string;
  readonly name: string;
  readonly version: string;
  readonly type: string;
  readonly locations?: readonly PackageLocation[];
  readonly vulnerabilities: readonly PackageVulnerability[];
}

/** `GET /api/v1/repositories/{ns}/{name}/tags/{tag}/vulnerabilities`. */
export interface VulnerabilityReport {
  readonly image: { readonly digest: string; readonly platform?: string; readonly os?: { readonly id?: string; readonly version?: string } | null };
  readonly evaluatedAt?: string | null;
  readonly db?: { readonly version?: string; readonly updatedAt?: string } | null;
  readonly summary: SeveritySummary;
  readonly packages: readonly VulnerablePackage[];
}

/** One package of `…/sbom?format=json` (shape assumed: `{packages: [...]}` or a bare array). */
export interface SbomPackage {
  readonly name: string;
  readonly version: string;
  readonly type: string;
  readonly purl?: string;
  readonly licenses?: readonly string[];
  readonly locations?: readonly PackageLocation[];
}

export interface OsvEvent {
  readonly introduced?: string;
  readonly fixed?: string;
  readonly last_affected?: string;
  readonly limit?: string;
}

export interface OsvAffected {
  readonly package?: { readonly ecosystem?: string; readonly name?: string; readonly purl?: string };
  readonly ranges?: readonly { readonly type?: string; readonly events?: readonly OsvEvent[] }[];
  readonly versions?: readonly string[];
}

/** `GET /api/v1/vulnerabilities/{id}`. */
export interface VulnerabilityDetail {
  readonly id: string;
  readonly aliases?: readonly string[];
  readonly summary?: string | null;
  readonly details?: string | null;
  readonly severity?: Severity;
  readonly cvss?: Cvss | null;
  readonly published?: string | null;
  readonly modified?: string | null;
  readonly affected?: readonly OsvAffected[];
  readonly references?: readonly { readonly type?: string; readonly url: string }[];
  readonly images?: readonly { readonly repository: string; readonly tag: string; readonly digest: string }[];
}

/** `GET /api/v1/session` (assumed, see web/README.md). */
export interface SessionUser {
  readonly username: string;
  readonly siteAdmin?: boolean;
}

export interface UiConfig {
  readonly reportProblemUrl?: string;
}

/** A finding as change history and webhooks show it. */
export interface FindingRef {
  readonly id: string;
  readonly severity: Severity;
  readonly package: { readonly name: string; readonly version: string; readonly type: string; readonly purl: string };
  readonly fixedVersions: readonly string[];
  readonly previousSeverity?: Severity;
  readonly fixAvailable?: boolean;
}

/** `GET …/tags/{tag}/timeline`. */
export interface Timeline {
  readonly image: { readonly digest: string; readonly platform: string };
  readonly entries: readonly {
    readonly at: string;
    readonly revision: number;
    readonly kind: 'analysis' | 'reevaluation';
    readonly added: readonly FindingRef[];
    readonly removed: readonly FindingRef[];
    readonly changed: readonly FindingRef[];
    readonly summary: SeveritySummary;
  }[];
}

export type WebhookEvent = 'push' | 'analysis.done' | 'vulnerabilities.changed';

/** `GET …/webhooks` (the secret only comes with the creation answer). */
export interface Webhook {
  readonly id: string;
  readonly url: string;
  readonly events: readonly WebhookEvent[];
  readonly scope: 'all' | 'latest';
  readonly minSeverity: Severity;
  readonly active: boolean;
  readonly createdAt: string;
  readonly secret?: string;
}

export interface WebhookDelivery {
  readonly id: string;
  readonly event: string;
  readonly status: 'queued' | 'retrying' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly responseStatus: number | null;
  readonly error: string | null;
  readonly createdAt: string;
}

/* ---- accounts: personal access tokens, organizations, teams, repository permissions ---- */

export type TokenScope = 'read' | 'read-write' | 'admin';
export type PermissionLevel = 'read' | 'write' | 'admin';

/** `GET /api/v1/user/tokens`; the secret `token` only comes with the creation answer. */
export interface AccessToken {
  readonly id: string;
  readonly name: string;
  readonly scope: TokenScope;
  readonly expiresAt: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
  readonly token?: string;
}

export interface Team {
  readonly org: string;
  readonly name: string;
  readonly canCreate: boolean;
}

/** `GET /api/v1/orgs/{org}`. */
export interface Organization {
  readonly name: string;
  readonly teams: readonly Team[];
}

/** `GET /api/v1/user`. */
export interface CurrentUser {
  readonly name: string;
  readonly siteAdmin: boolean;
  readonly teams: readonly { readonly org: string; readonly name: string }[];
}

/** `GET /api/v1/repositories/{ns}/{name}/permissions`; a team subject is "org/team". */
export interface RepositoryPermission {
  readonly kind: 'user' | 'team';
  readonly subject: string;
  readonly level: PermissionLevel;
}

/** `GET /api/v1/orgs/{org}/teams/{team}/repositories`. */
export interface TeamRepositoryPermission {
  readonly repository: string;
  readonly level: PermissionLevel;
}

/** Findings an action removes (or leaves), by severity and in total. */
export type FindingCounts = SeveritySummary & { readonly total: number };

/** One package upgrade of `GET …/tags/{tag}/recommendations` (distro packages: the source package). */
export interface PackageUpgrade {
  readonly name: string;
  readonly type: string;
  readonly purl: string;
  readonly ecosystem?: string;
  readonly installed: string;
  readonly upgradeTo: string;
  readonly removes: FindingCounts;
  readonly remaining: FindingCounts;
  readonly binaries?: readonly string[];
  readonly advice: string;
}

/** A newer tag of the detected base image and what switching to it removes. */
export interface BaseCandidate {
  readonly repository: string;
  readonly tag: string;
  readonly tags: readonly string[];
  readonly digest: string;
  readonly pushedAt: string;
  readonly summary: SeveritySummary;
  readonly removes: FindingCounts;
}

/** `GET …/tags/{tag}/recommendations`. */
export interface Recommendations {
  readonly image: { readonly digest: string; readonly manifestDigest: string; readonly platform: string };
  readonly summary: SeveritySummary;
  readonly packages: readonly PackageUpgrade[];
  readonly unfixable: FindingCounts;
  readonly baseImage?: {
    readonly current: { readonly repository: string; readonly tag?: string; readonly digest: string; readonly via: 'annotation' | 'layers'; readonly layerCount: number };
    readonly candidates: readonly BaseCandidate[];
  };
}
