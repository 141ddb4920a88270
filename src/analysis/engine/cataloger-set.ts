/**
 * The one place that decides which catalogers and which OS detection the engine runs, and the
 * cataloger-set version (hash of names + versions) that keys the layer cache and stored analyses.
 * OS detection and OS catalogers are wired in here once they exist on main.
 */
import { createHash } from 'node:crypto';
import type { Cataloger, FileEntryInfo, ImageFs } from '../cataloger.js';
import type { Distro } from '../../model/distro.js';
import type { Selector } from '../../image/layer-extractor.js';
import { languageCatalogers } from '../catalogers/languages.js';

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

// Until OS detection lands, no OS files are selected and the distro stays unknown.
const noOsFiles = (): boolean => false;
const noDistro = (): Promise<Distro | undefined> => Promise.resolve(undefined);

export function catalogerSetVersion(catalogers: readonly Cataloger[], osDetection: string): string {
  const ids = catalogers.map((c) => `${c.name}@${c.version}`).sort();
  ids.push(`os:${osDetection}`);
  return createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 16);
}

export function defaultCatalogerSet(): CatalogerSet {
  const catalogers = [...languageCatalogers];
  return { catalogers, osFiles: noOsFiles, detectDistro: noDistro, version: catalogerSetVersion(catalogers, 'none') };
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
