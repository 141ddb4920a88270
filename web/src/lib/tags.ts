/** Sorting of the tags table: by name (numeric-aware), pushed time, analysis status or worst findings. */
import type { TagInfo } from '../api/types.js';

export type SortKey = 'name' | 'pushedAt' | 'status' | 'vulnerabilities';

/** Orders by critical count, then high, … so one critical outweighs any number of highs. */
export function vulnerabilityWeight(t: TagInfo): number {
  const s = t.analysis?.summary;
  if (!s) return -1;
  return s.critical * 1e12 + s.high * 1e9 + s.medium * 1e6 + s.low * 1e3 + s.unknown;
}

function compareBy(key: SortKey): (a: TagInfo, b: TagInfo) => number {
  switch (key) {
    case 'name':
      return (a, b) => a.name.localeCompare(b.name, undefined, { numeric: true });
    case 'pushedAt':
      return (a, b) => (a.pushedAt ?? '').localeCompare(b.pushedAt ?? '');
    case 'status':
      return (a, b) => (a.analysis?.status ?? 'none').localeCompare(b.analysis?.status ?? 'none');
    case 'vulnerabilities':
      return (a, b) => vulnerabilityWeight(a) - vulnerabilityWeight(b);
  }
}

/** A sorted copy; ties fall back to the tag name so the order is stable across polls. */
export function sortTags(tags: readonly TagInfo[], key: SortKey, descending: boolean): TagInfo[] {
  const cmp = compareBy(key);
  const byName = compareBy('name');
  return [...tags].sort((a, b) => (descending ? cmp(b, a) : cmp(a, b)) || byName(a, b));
}

const IN_PROGRESS = new Set(['queued', 'running']);

/** Whether the list should poll: some analysis has not finished yet. */
export function anyAnalysisInProgress(tags: readonly TagInfo[]): boolean {
  return tags.some((t) => IN_PROGRESS.has(t.analysis?.status ?? ''));
}
