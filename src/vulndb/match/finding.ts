/** What the matcher reports for one (package, vulnerability): the data every report surface renders. */
import type { Cvss } from '../advisory.js';
import type { Package } from '../../model/package.js';

export type FindingStatus = 'fixed' | 'not-fixed' | 'will-not-fix';

export interface Finding {
  /** Canonical vulnerability id (the CVE when one is known). */
  readonly id: string;
  readonly aliases: readonly string[];
  readonly summary?: string;
  /** critical | high | medium | low | negligible | unknown: the distro's rating first, then CVSS. */
  readonly severity: string;
  readonly cvss?: Cvss;
  readonly status: FindingStatus;
  /** The interval that matched: where the vulnerability was introduced and the fixes published for it. */
  readonly range: { readonly introduced?: string; readonly fixed?: string; readonly lastAffected?: string };
  /** Every fixed version the data lists for this package, in the scheme's order. */
  readonly fixedVersions: readonly string[];
  /** The smallest fixed version above the installed one: what to upgrade to. */
  readonly fixedVersion?: string;
  /** Which feed the matching data came from ("osv", "debian", "alpine") and its record id there. */
  readonly source: string;
  readonly sourceId: string;
  readonly ecosystem: string;
  /** The name the package was matched under (distro source package or normalized name). */
  readonly matchedName: string;
  readonly knownExploited?: { readonly dateAdded: string };
  readonly epss?: { readonly score: number; readonly percentile?: number };
  /** The package as catalogued, so its introducing layer and Dockerfile step travel with the finding. */
  readonly package: Package;
}

export const SEVERITY_ORDER: readonly string[] = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'];
