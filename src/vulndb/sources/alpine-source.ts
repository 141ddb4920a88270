/**
 * Alpine secdb (secdb.alpinelinux.org/<branch>/<repo>.json, and the older YAML files of the same
 * shape): per package `secfixes` maps a fixed version to the CVEs it fixes; version "0" means the
 * package was never affected. One record per (branch, repo, package, CVE); each file is a complete
 * snapshot of its branch and repository.
 */
import { parse as parseYaml } from 'yaml';
import type { Advisory } from '../advisory.js';
import { errorMessage, isRecord, jsonBytesTooDeep, LIMITS, str, type AdvisorySource, type ReadOptions, type SourceItem } from '../advisory-source.js';
import { feedFiles, readFeedText } from './input.js';

export const ALPINE_SECDB = 'https://secdb.alpinelinux.org';
export const DEFAULT_ALPINE_BRANCHES = ['v3.18', 'v3.19', 'v3.20', 'v3.21', 'v3.22', 'edge'];
const MAX_SECDB_BYTES = 64 * 1024 * 1024;
const VULN_ID = /^(CVE-\d{4}-\d+|GHSA-[\w-]+|XSA-\d+|ZBX-\d+|[A-Z][A-Z0-9]*-\d{4}-\d+)$/;

function parseDocument(text: string): unknown {
  const t = text.trimStart();
  if (t.startsWith('{')) {
    if (jsonBytesTooDeep(Buffer.from(t), LIMITS.maxJsonDepth)) throw new Error('nested too deeply');
    return JSON.parse(t);
  }
  return parseYaml(t, { maxAliasCount: 100, schema: 'core' });
}

/** Records of one secdb document; throws only when it is not a secdb document at all. */
export function alpineRecords(doc: unknown, where: string, issue: (where: string, message: string) => void): { prefix: string; records: { key: string; advisory: Advisory }[] } {
  if (!isRecord(doc) || !(Array.isArray(doc.packages) || doc.packages === null)) throw new Error(`${where}: not an Alpine secdb document`);
  const branch = str(doc.distroversion, 32);
  const repo = str(doc.reponame, 64) ?? 'main';
  if (branch === undefined || !/^(v\d+\.\d+|edge)$/.test(branch)) throw new Error(`${where}: missing or odd distroversion`);
  const prefix = `${branch}/${repo}/`;
  const records: { key: string; advisory: Advisory }[] = [];
  for (const p of (doc.packages ?? []).slice(0, LIMITS.maxListLength)) {
    const pkg = isRecord(p) && isRecord(p.pkg) ? p.pkg : undefined;
    const name = str(pkg?.name, 256);
    if (pkg === undefined || name === undefined) {
      issue(where, 'package entry without a name');
      continue;
    }
    if (!isRecord(pkg.secfixes)) continue;
    const seen = new Set<string>();
    for (const [version, ids] of Object.entries(pkg.secfixes)) {
      // An empty entry (seen in v3.6 heimdal) lists nothing.
      if (ids === null) continue;
      if (!Array.isArray(ids)) {
        issue(`${where}: ${name} ${version}`, 'secfixes entry is not a list');
        continue;
      }
      // Entries are sometimes "CVE-1 CVE-2" or carry a trailing note; take every id-shaped token.
      for (const token of ids.flatMap((x) => (typeof x === 'string' ? x.split(/\s+/) : []))) {
        if (!VULN_ID.test(token) || seen.has(token)) continue;
        seen.add(token);
        const notAffected = version === '0';
        records.push({
          key: `${prefix}${name}/${token}`,
          advisory: {
            id: token,
            aliases: [],
            references: [],
            affected: [
              {
                ecosystem: `Alpine:${branch}`,
                name,
                ranges: notAffected ? [] : [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: version }] }],
                versions: [],
                status: notAffected ? 'not-affected' : 'fixed',
              },
            ],
          },
        });
      }
    }
  }
  return { prefix, records };
}

export const alpineSource: AdvisorySource = {
  name: 'alpine',
  distro: true,
  defaultUrls: DEFAULT_ALPINE_BRANCHES.flatMap((b) => [`${ALPINE_SECDB}/${b}/main.json`, `${ALPINE_SECDB}/${b}/community.json`]),
  async *read(path: string, opts: ReadOptions): AsyncGenerator<SourceItem> {
    for (const file of await feedFiles(path, ['.json', '.yaml', '.yml'])) {
      opts.signal?.throwIfAborted();
      let doc: unknown;
      try {
        doc = parseDocument(await readFeedText(file, MAX_SECDB_BYTES));
      } catch (err) {
        // A single file given explicitly must parse (the online path relies on this to reject corrupt downloads).
        if (file === path) throw err;
        opts.issues({ where: file, message: errorMessage(err) });
        continue;
      }
      let result;
      try {
        result = alpineRecords(doc, file, (where, message) => opts.issues({ where, message }));
      } catch (err) {
        if (file === path) throw err;
        opts.issues({ where: file, message: errorMessage(err) });
        continue;
      }
      yield { kind: 'snapshot', prefix: result.prefix };
      for (const r of result.records) yield { kind: 'advisory', ...r };
    }
  },
};
