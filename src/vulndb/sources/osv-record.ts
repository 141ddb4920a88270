/**
 * OSV JSON (https://ossf.github.io/osv-schema/) → the normalized Advisory. Validates the shape field by
 * field (unknown extras ignored), normalizes package names per ecosystem and never throws: a record
 * that is not OSV yields an error message instead.
 */
import type { Advisory, Affected, AffectedRange, Cvss, RangeEvent, RangeType, Reference } from '../advisory.js';
import { isRecord, LIMITS, str } from '../advisory-source.js';
import { cvssFromVector } from '../cvss.js';
import { normalizeEcosystem, normalizePackageName } from '../names.js';

const RANGE_TYPES = new Set<RangeType>(['ECOSYSTEM', 'SEMVER', 'GIT']);
const EVENT_KEYS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;

function strings(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const x of v.slice(0, LIMITS.maxListLength)) {
    const s = str(x, 1024);
    if (s !== undefined) out.push(s);
  }
  return out;
}

function parseRange(v: unknown): AffectedRange | undefined {
  if (!isRecord(v) || !RANGE_TYPES.has(v.type as RangeType) || !Array.isArray(v.events)) return undefined;
  const events: RangeEvent[] = [];
  for (const e of v.events.slice(0, LIMITS.maxListLength)) {
    if (!isRecord(e)) continue;
    for (const k of EVENT_KEYS) {
      const s = str(e[k], 1024);
      if (s !== undefined) {
        events.push({ [k]: s } as RangeEvent);
        break;
      }
    }
  }
  return { type: v.type as RangeType, events };
}

function rating(v: unknown): string | undefined {
  const s = str(v, 64)?.toLowerCase();
  return s === 'moderate' ? 'medium' : s;
}

/** Converts a parsed OSV object (callers check nesting on the raw bytes first); returns a message when it is not a usable OSV record. */
export function parseOsvRecord(obj: unknown): Advisory | string {
  if (!isRecord(obj)) return 'not a JSON object';
  const id = str(obj.id, 256);
  if (id === undefined || id === '') return 'missing id';
  const affected: Affected[] = [];
  if (obj.affected !== undefined && !Array.isArray(obj.affected)) return 'affected is not a list';
  for (const a of (obj.affected as unknown[] | undefined) ?? []) {
    if (!isRecord(a) || !isRecord(a.package)) continue;
    const rawEcosystem = str(a.package.ecosystem, 128);
    const ecosystem = rawEcosystem === undefined ? undefined : normalizeEcosystem(rawEcosystem);
    const name = str(a.package.name, 1024);
    if (ecosystem === undefined || name === undefined) continue;
    const ranges = Array.isArray(a.ranges) ? a.ranges.map(parseRange).filter((r): r is AffectedRange => r !== undefined) : [];
    const sev = (isRecord(a.ecosystem_specific) ? rating(a.ecosystem_specific.severity) : undefined) ??
      (Array.isArray(a.severity) ? a.severity.map((s) => (isRecord(s) && s.type === 'Ubuntu' ? rating(s.score) : undefined)).find((s) => s) : undefined);
    affected.push({
      ecosystem,
      name: normalizePackageName(ecosystem, name),
      ranges,
      versions: strings(a.versions),
      status: 'affected',
      ...(sev !== undefined ? { severity: sev } : {}),
    });
  }
  const cvss: Cvss[] = [];
  let osvRating: string | undefined;
  if (Array.isArray(obj.severity)) {
    for (const s of obj.severity) {
      if (!isRecord(s)) continue;
      const type = str(s.type, 64);
      const score = str(s.score, 512);
      if (type === undefined || score === undefined) continue;
      const c = cvssFromVector(type, score);
      if (c) cvss.push(c);
      else if (type === 'Ubuntu') osvRating = rating(score);
    }
  }
  if (isRecord(obj.database_specific)) osvRating ??= rating(obj.database_specific.severity);
  const references: Reference[] = [];
  if (Array.isArray(obj.references)) {
    for (const r of obj.references.slice(0, 1000)) {
      const url = isRecord(r) ? str(r.url, 4096) : undefined;
      if (url !== undefined && isRecord(r)) references.push({ type: str(r.type, 64) ?? 'WEB', url });
    }
  }
  const aliases = strings(obj.aliases).filter((a) => a !== id);
  // Distro records about exactly one upstream CVE (UBUNTU-CVE-…, a single-CVE ALSA/RLSA) name it in
  // `upstream` or `related` rather than `aliases`; they describe that one vulnerability, so join it.
  // Records covering several CVEs stay separate: an alias maps to exactly one vulnerability.
  if (aliases.length === 0) {
    for (const field of [obj.upstream, obj.related]) {
      const ids = strings(field);
      if (ids.length === 1 && ids[0]?.startsWith('CVE-') === true) {
        aliases.push(ids[0]);
        break;
      }
    }
  }
  const advisory: Advisory = {
    id,
    aliases,
    references,
    affected,
  };
  const opt: { -readonly [K in keyof Advisory]?: Advisory[K] } = {};
  const summary = str(obj.summary);
  const details = str(obj.details);
  const published = str(obj.published, 64);
  const modified = str(obj.modified, 64);
  const withdrawn = str(obj.withdrawn, 64);
  if (summary !== undefined) opt.summary = summary;
  if (details !== undefined) opt.details = details;
  if (published !== undefined) opt.published = published;
  if (modified !== undefined) opt.modified = modified;
  if (withdrawn !== undefined) opt.withdrawn = withdrawn;
  if (cvss.length > 0 || osvRating !== undefined) opt.severity = { ...(osvRating !== undefined ? { rating: osvRating } : {}), ...(cvss.length > 0 ? { cvss } : {}) };
  return { ...advisory, ...opt };
}
