/**
 * The feeds `db update` pulls: each source's public URL(s) by default, overridable per source from the
 * environment (air-gapped mirrors):
 *   CROWSNEST_VULNDB_OSV_URL        base of the osv.dev export bucket (`<base>/<ecosystem>/all.zip`)
 *   CROWSNEST_VULNDB_OSV_ECOSYSTEMS comma-separated ecosystems (default: the common ones)
 *   CROWSNEST_VULNDB_DEBIAN_URL, _ALPINE_URL (comma-separated), _NVD_URL, _KEV_URL, _EPSS_URL
 *   CROWSNEST_VULNDB_SOURCES        comma-separated subset of sources to update (default: all)
 * An empty value disables that source.
 */
import type { SourceName } from './advisory-source.js';
import { DEFAULT_OSV_ECOSYSTEMS, OSV_BUCKET, osvZipUrl } from './sources/osv-source.js';
import { SOURCES } from './sources/index.js';

export interface Feed {
  readonly source: SourceName;
  readonly url: string;
}

const list = (v: string) => v.split(',').map((s) => s.trim()).filter((s) => s !== '');

export function feedsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Feed[] {
  const wanted = env.CROWSNEST_VULNDB_SOURCES !== undefined ? new Set(list(env.CROWSNEST_VULNDB_SOURCES)) : undefined;
  const feeds: Feed[] = [];
  for (const s of SOURCES) {
    if (wanted && !wanted.has(s.name)) continue;
    if (s.name === 'osv') {
      const base = (env.CROWSNEST_VULNDB_OSV_URL ?? OSV_BUCKET).replace(/\/+$/, '');
      if (base === '') continue;
      const ecosystems = env.CROWSNEST_VULNDB_OSV_ECOSYSTEMS !== undefined ? list(env.CROWSNEST_VULNDB_OSV_ECOSYSTEMS) : DEFAULT_OSV_ECOSYSTEMS;
      for (const e of ecosystems) feeds.push({ source: 'osv', url: osvZipUrl(e, base) });
      continue;
    }
    const override = env[`CROWSNEST_VULNDB_${s.name.toUpperCase()}_URL`];
    for (const url of override !== undefined ? list(override) : s.defaultUrls) feeds.push({ source: s.name, url });
  }
  return feeds;
}
