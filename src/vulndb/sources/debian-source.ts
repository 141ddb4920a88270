/**
 * The Debian security tracker JSON (security-tracker.debian.org/tracker/data/json): package → CVE →
 * releases → {status, fixed_version, urgency, nodsa_reason}. Streamed one package at a time. Each
 * (source package, CVE) becomes one record with one affected entry per known release ("Debian:12"),
 * carrying the tracker's verdict: fixed (with the fixing version), not-fixed, will-not-fix,
 * not-affected ("fixed" in version 0) or end-of-life.
 */
import type { Advisory, Affected, AffectedStatus } from '../advisory.js';
import { errorMessage, isRecord, jsonBytesTooDeep, LIMITS, str, type AdvisorySource, type ReadOptions, type SourceItem } from '../advisory-source.js';
import { openFeed } from './input.js';
import { objectMembers } from './json-object-stream.js';

export const DEBIAN_TRACKER_URL = 'https://security-tracker.debian.org/tracker/data/json';

/** Release codenames → major version; sid/experimental have no OSV release ecosystem and are skipped. */
export const DEBIAN_RELEASES: Readonly<Record<string, string>> = {
  squeeze: '6', wheezy: '7', jessie: '8', stretch: '9', buster: '10', bullseye: '11', bookworm: '12', trixie: '13', forky: '14', duke: '15',
};

function urgency(v: unknown): string | undefined {
  const s = str(v, 64)?.replace(/\*+$/, '').trim().toLowerCase();
  if (s === undefined || s === '' || s === 'not yet assigned') return undefined;
  if (s === 'unimportant') return 'negligible';
  return s;
}

function releaseEntry(pkg: string, release: string, r: unknown): Affected | undefined {
  const major = DEBIAN_RELEASES[release];
  if (major === undefined || !isRecord(r)) return undefined;
  const status = str(r.status, 64);
  const fixed = str(r.fixed_version, 256);
  const rawUrgency = str(r.urgency, 64);
  const sev = urgency(r.urgency);
  let verdict: AffectedStatus;
  let fixedAt: string | undefined;
  if (status === 'resolved') {
    if (fixed === undefined) return undefined;
    if (fixed === '0') verdict = 'not-affected';
    else {
      verdict = 'fixed';
      fixedAt = fixed;
    }
  } else if (status === 'open' || status === 'undetermined') {
    if (rawUrgency === 'end-of-life') verdict = 'end-of-life';
    else if (r.nodsa_reason === 'ignored') verdict = 'will-not-fix';
    else verdict = 'not-fixed';
  } else return undefined;
  return {
    ecosystem: `Debian:${major}`,
    name: pkg,
    ranges: verdict === 'not-affected' ? [] : [{ type: 'ECOSYSTEM', events: fixedAt !== undefined ? [{ introduced: '0' }, { fixed: fixedAt }] : [{ introduced: '0' }] }],
    versions: [],
    status: verdict,
    ...(sev !== undefined && sev !== 'end-of-life' ? { severity: sev } : {}),
  };
}

/** Records of one package member of the tracker document. */
export function debianPackageRecords(pkg: string, value: unknown, issue: (where: string, message: string) => void): { key: string; advisory: Advisory }[] {
  if (!isRecord(value)) {
    issue(pkg, 'package entry is not an object');
    return [];
  }
  const out: { key: string; advisory: Advisory }[] = [];
  for (const [cve, v] of Object.entries(value)) {
    if (!isRecord(v) || cve.length > 64) {
      issue(`${pkg}/${cve}`, 'entry is not an object');
      continue;
    }
    const affected: Affected[] = [];
    // Seen in the real feed: "releases": [] for entries without release data.
    if (isRecord(v.releases)) {
      for (const [release, r] of Object.entries(v.releases)) {
        const a = releaseEntry(pkg, release, r);
        if (a) affected.push(a);
      }
    }
    if (affected.length === 0) continue;
    const summary = str(v.description);
    out.push({
      key: `${pkg}/${cve}`,
      advisory: { id: cve, aliases: [], references: [{ type: 'ADVISORY', url: `https://security-tracker.debian.org/tracker/${cve}` }], affected, ...(summary !== undefined ? { summary } : {}) },
    });
  }
  return out;
}

export const debianSource: AdvisorySource = {
  name: 'debian',
  distro: true,
  defaultUrls: [DEBIAN_TRACKER_URL],
  async *read(path: string, opts: ReadOptions): AsyncGenerator<SourceItem> {
    // The tracker document is complete: CVEs it no longer lists are dropped from the database.
    yield { kind: 'snapshot', prefix: '' };
    for await (const [pkg, bytes] of objectMembers(await openFeed(path), { maxMemberBytes: LIMITS.maxRecordBytes, maxDepth: LIMITS.maxJsonDepth })) {
      opts.signal?.throwIfAborted();
      if (bytes === undefined || jsonBytesTooDeep(bytes, LIMITS.maxJsonDepth)) {
        opts.issues({ where: pkg, message: 'package entry too large or too deeply nested; skipped' });
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(bytes.toString('utf8'));
      } catch (err) {
        opts.issues({ where: pkg, message: `invalid JSON: ${errorMessage(err)}` });
        continue;
      }
      for (const r of debianPackageRecords(pkg, value, (where, message) => opts.issues({ where, message }))) yield { kind: 'advisory', ...r };
    }
  },
};
