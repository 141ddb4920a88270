/**
 * The JSON bodies webhooks receive, and the per-webhook choices applied to them: the minimum
 * severity (findings below it are left out; nothing is sent when nothing remains) and the scope
 * (every tag, or only the repository's most recently pushed one). Long finding lists are cut at
 * MAX_LISTED with the full counts kept.
 */
import type { AnalysisDoneEvent, FindingRef, VulnerabilitiesChangedEvent } from '../evaluation/image-events.js';
import type { RegistryEventMap } from '../registry/events.js';
import { severityRank, type ReportSeverity } from '../reports/severity.js';
import type { Webhook } from './webhook-store.js';

export const MAX_LISTED = 100;

interface Envelope {
  readonly event: string;
  readonly id: string;
  readonly occurredAt: string;
  readonly repository: string;
}

export function pushPayload(envelope: Envelope, e: RegistryEventMap['manifestPushed']): Record<string, unknown> {
  return { ...envelope, tag: e.tag, digest: e.digest, mediaType: e.mediaType };
}

export function analysisPayload(envelope: Envelope, e: AnalysisDoneEvent): Record<string, unknown> {
  return { ...envelope, ...(e.tag !== undefined ? { tag: e.tag } : {}), digest: e.rootDigest, platforms: e.platforms };
}

const atLeast = (min: ReportSeverity) => (f: FindingRef) => severityRank(f.severity) <= severityRank(min);

/** The diff for one repository as this webhook wants it, or undefined when nothing is left to send. */
export function vulnerabilitiesPayload(
  envelope: Envelope,
  e: VulnerabilitiesChangedEvent,
  target: VulnerabilitiesChangedEvent['targets'][number],
  webhook: Pick<Webhook, 'minSeverity'>,
): Record<string, unknown> | undefined {
  const keep = atLeast(webhook.minSeverity);
  const added = e.added.filter(keep);
  const removed = e.removed.filter(keep);
  const changed = e.changed.filter(keep);
  if (added.length + removed.length + changed.length === 0) return undefined;
  const truncated = added.length > MAX_LISTED || removed.length > MAX_LISTED || changed.length > MAX_LISTED;
  return {
    ...envelope,
    tags: target.tags,
    digest: target.rootDigest,
    manifestDigest: e.manifestDigest,
    platform: e.platform,
    revision: e.revision,
    evaluatedAt: e.evaluatedAt,
    summary: e.summary,
    counts: { added: added.length, removed: removed.length, changed: changed.length },
    truncated,
    added: added.slice(0, MAX_LISTED),
    removed: removed.slice(0, MAX_LISTED),
    changed: changed.slice(0, MAX_LISTED),
  };
}

/** Whether an event about `tags` passes the webhook's scope. */
export function inScope(webhook: Pick<Webhook, 'scope'>, tags: readonly string[], latestTag: string | undefined): boolean {
  return webhook.scope === 'all' || (latestTag !== undefined && tags.includes(latestTag));
}
