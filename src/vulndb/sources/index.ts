/** The explicit list of advisory sources (nothing registers itself on import). */
import type { AdvisorySource, SourceName } from '../advisory-source.js';
import { alpineSource } from './alpine-source.js';
import { debianSource } from './debian-source.js';
import { epssSource, kevSource, nvdSource } from './metrics-sources.js';
import { osvSource } from './osv-source.js';

export const SOURCES: readonly AdvisorySource[] = [osvSource, debianSource, alpineSource, nvdSource, kevSource, epssSource];

export function sourceByName(name: string): AdvisorySource | undefined {
  return SOURCES.find((s) => s.name === (name as SourceName));
}
