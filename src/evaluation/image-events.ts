/**
 * Events about analyzed images, emitted in the process that did the work (a worker, or `serve`):
 * `analysisDone` when an analyze job finished every platform of a pushed image, and
 * `vulnerabilitiesChanged` when a re-evaluation changed an image's findings. Subscribers (webhooks)
 * turn them into durable jobs, so nothing is lost when another process delivers them.
 */
import { TypedEvents } from '../core/typed-events.js';
import type { ReportSeverity, SeveritySummary } from '../reports/severity.js';

export interface AnalysisDoneEvent {
  /** Where the push came from; '' for a background re-catalog after a cataloger upgrade. */
  readonly repository: string;
  /** The pushed manifest or index. */
  readonly rootDigest: string;
  readonly tag?: string;
  readonly platforms: readonly {
    readonly platform: string;
    readonly manifestDigest: string;
    readonly status: 'done' | 'failed' | 'unsupported';
    readonly packages?: number;
    readonly reason?: string;
  }[];
}

/** One (package, vulnerability) finding as change notifications show it. */
export interface FindingRef {
  readonly id: string;
  readonly severity: ReportSeverity;
  readonly package: { readonly name: string; readonly version: string; readonly type: string; readonly purl: string };
  readonly fixedVersions: readonly string[];
}

/** A finding present before and after whose severity changed or for which a fix became available. */
export interface FindingChange extends FindingRef {
  readonly previousSeverity?: ReportSeverity;
  /** True when the finding had no fixed version before and has one now. */
  readonly fixAvailable?: boolean;
}

export interface VulnerabilitiesChangedEvent {
  /** The platform image that was re-matched (an index's child for multi-platform images). */
  readonly manifestDigest: string;
  readonly platform: string;
  /** Where that image is visible: repositories whose analysis setting is `advanced`, with their tags. */
  readonly targets: readonly { readonly repository: string; readonly rootDigest: string; readonly tags: readonly string[] }[];
  /** Vulnerability data revision the new findings were computed with. */
  readonly revision: number;
  readonly evaluatedAt: string;
  readonly added: readonly FindingRef[];
  readonly removed: readonly FindingRef[];
  readonly changed: readonly FindingChange[];
  readonly summary: SeveritySummary;
}

export interface ImageEventMap {
  analysisDone: AnalysisDoneEvent;
  vulnerabilitiesChanged: VulnerabilitiesChangedEvent;
}

export class ImageEvents extends TypedEvents<ImageEventMap> {}
