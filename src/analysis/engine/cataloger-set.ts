/**
 * The one place that decides which catalogers and which OS detection the engine runs, and the
 * cataloger-set version (hash of names + versions) that keys the layer cache and stored analyses.
 * OS packages come first so a language package's ecosystem context (distro) is known.
 */
import { createHash } from 'node:crypto';
import type { Cataloger, FileEntryInfo, ImageFs } from '../cataloger.js';
import type { Distro } from '../../model/distro.js';
import type { Selector } from '../../image/layer-extractor.js';
import { languageCatalogers } from '../catalogers/languages.js';
import { osCatalogers } from '../catalogers/os.js';
import { detectDistro, osFileSelector } from '../os/detect-distro.js';

export const TOOL = { name: 'crowsnest', version: '0.1.0' } as const;

/** OS-detection files are small text files; this caps what is kept of them. */
const OS_FILE_MAX_BYTES = 1024 * 1024;

export interface CatalogerSet {
  readonly catalogers: readonly Cataloger[];
  /** Whether an entry is an OS-detection file (os-release, distro release files, …). */
  readonly osFiles: (entry: FileEntryInfo) => boolean;
  readonly detectDistro: (fs: ImageFs) => Promise<Distro | undefined>;
  /** Changes whenever a cataloger (or the OS detection) is added, removed or bumped. */
  readonly version: string;
}

/** Bump when detectDistro's output for the same files can change (it has no version of its own). */
const OS_DETECTION_VERSION = 'detect-distro@1';

export function catalogerSetVersion(catalogers: readonly Cataloger[], osDetection: string): string {
  const ids = catalogers.map((c) => `${c.name}@${c.version}`).sort();
  ids.push(`os:${osDetection}`);
  return createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 16);
}

export function defaultCatalogerSet(): CatalogerSet {
  const catalogers = [...osCatalogers, ...languageCatalogers];
  return { catalogers, osFiles: osFileSelector, detectDistro, version: catalogerSetVersion(catalogers, OS_DETECTION_VERSION) };
}

/**
 * The selector the layers stream through: the union of every cataloger's `selects` plus the OS
 * files, capped at the largest wanting cataloger's `maxFileBytes` and at `maxFileBytes` overall.
 */
export function selectorForSet(set: CatalogerSet, maxFileBytes: number): Selector {
  return (e) => {
    let cap = set.osFiles(e) ? OS_FILE_MAX_BYTES : -1;
    for (const c of set.catalogers) if (c.maxFileBytes > cap && c.selects(e)) cap = c.maxFileBytes;
    return cap < 0 ? false : Math.min(cap, maxFileBytes);
  };
}
