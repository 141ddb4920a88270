/**
 * Enrichment feeds keyed by CVE: NVD CVE API 2.0 JSON (pages or the yearly/modified feed files; CVSS
 * v4.0/v3.1/v3.0/v2 with NVD's own "Primary" score preferred), CISA KEV (known exploited + date added)
 * and FIRST EPSS (CSV with a "#model_version" comment line; probability and percentile).
 */
import { createInterface } from 'node:readline';
import type { Cvss, CveMetrics } from '../advisory.js';
import { errorMessage, isRecord, jsonBytesTooDeep, LIMITS, str, type AdvisorySource, type ReadOptions, type SourceItem } from '../advisory-source.js';
import { feedFiles, openFeed, readFeedText } from './input.js';
import { arrayMemberItems } from './json-object-stream.js';

export const NVD_FEED_BASE = 'https://nvd.nist.gov/feeds/json/cve/2.0';

/** The yearly NVD 2.0 feeds (complete history) followed by the "modified" feed, which is newer and so imported last. */
export function nvdFeedUrls(now = new Date(), base = NVD_FEED_BASE): string[] {
  const years: string[] = [];
  for (let y = 2002; y <= now.getUTCFullYear(); y++) years.push(`${base}/nvdcve-2.0-${y}.json.gz`);
  return [...years, `${base}/nvdcve-2.0-modified.json.gz`];
}
export const KEV_URL = 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json';
export const EPSS_URL = 'https://epss.empiricalsecurity.com/epss_scores-current.csv.gz';

const CVE = /^CVE-\d{4}-\d{4,}$/;

async function readJson(file: string): Promise<unknown> {
  const text = await readFeedText(file, LIMITS.maxDocumentBytes);
  if (jsonBytesTooDeep(Buffer.from(text), LIMITS.maxJsonDepth)) throw new Error(`${file}: nested too deeply`);
  return JSON.parse(text);
}

const NVD_METRICS: readonly [string, string][] = [
  ['cvssMetricV40', '4.0'],
  ['cvssMetricV31', '3.1'],
  ['cvssMetricV30', '3.0'],
  ['cvssMetricV2', '2.0'],
];

/** The CVE's metrics from one NVD `vulnerabilities[]` item, or undefined when it has no usable CVSS. */
export function nvdMetrics(item: unknown): CveMetrics | undefined {
  const cve = isRecord(item) && isRecord(item.cve) ? item.cve : undefined;
  const id = str(cve?.id, 64);
  if (cve === undefined || id === undefined || !CVE.test(id) || !isRecord(cve.metrics)) return undefined;
  for (const [key, version] of NVD_METRICS) {
    const list = cve.metrics[key];
    if (!Array.isArray(list) || list.length === 0) continue;
    const entries = list.filter(isRecord);
    const chosen = entries.find((m) => m.type === 'Primary') ?? entries[0];
    const data = isRecord(chosen?.cvssData) ? chosen.cvssData : undefined;
    const vector = str(data?.vectorString, 512);
    if (data === undefined || vector === undefined) continue;
    const score = typeof data.baseScore === 'number' && data.baseScore >= 0 && data.baseScore <= 10 ? data.baseScore : undefined;
    const rating = str(data.baseSeverity, 32) ?? str(chosen?.baseSeverity, 32);
    const cvss: Cvss = { version: str(data.version, 8) ?? version, vector, ...(score !== undefined ? { score } : {}) };
    return { cve: id, cvss, ...(rating !== undefined ? { rating: rating.toLowerCase() } : {}) };
  }
  return undefined;
}

export const nvdSource: AdvisorySource = {
  name: 'nvd',
  distro: false,
  defaultUrls: nvdFeedUrls(),
  async *read(path: string, opts: ReadOptions): AsyncGenerator<SourceItem> {
    for (const file of await feedFiles(path, ['.json', '.json.gz'])) {
      try {
        // Streamed item by item: a yearly feed is one document of hundreds of MB.
        for await (const bytes of arrayMemberItems(await openFeed(file), 'vulnerabilities', { maxMemberBytes: LIMITS.maxRecordBytes, maxDepth: LIMITS.maxJsonDepth })) {
          opts.signal?.throwIfAborted();
          let item: unknown;
          try {
            item = bytes === undefined ? undefined : JSON.parse(bytes.toString('utf8'));
          } catch {
            item = undefined;
          }
          const m = nvdMetrics(item);
          if (m) yield { kind: 'metrics', metrics: m };
          else if (!(isRecord(item) && isRecord(item.cve) && typeof item.cve.id === 'string')) opts.issues({ where: file, message: 'unreadable vulnerability item (no cve.id, too large or invalid JSON)' });
        }
      } catch (err) {
        if (file === path) throw err;
        opts.issues({ where: file, message: errorMessage(err) });
      }
    }
  },
};

export const kevSource: AdvisorySource = {
  name: 'kev',
  distro: false,
  defaultUrls: [KEV_URL],
  async *read(path: string, opts: ReadOptions): AsyncGenerator<SourceItem> {
    for (const file of await feedFiles(path, ['.json'])) {
      const doc = await readJson(file);
      if (!isRecord(doc) || !Array.isArray(doc.vulnerabilities)) throw new Error(`${file}: not a KEV catalog`);
      for (const v of doc.vulnerabilities) {
        const cve = isRecord(v) ? str(v.cveID, 64) : undefined;
        const added = isRecord(v) ? str(v.dateAdded, 32) : undefined;
        if (cve === undefined || !CVE.test(cve) || added === undefined) {
          opts.issues({ where: file, message: 'KEV entry without cveID/dateAdded' });
          continue;
        }
        yield { kind: 'metrics', metrics: { cve, kevDateAdded: added } };
      }
    }
  },
};

export const epssSource: AdvisorySource = {
  name: 'epss',
  distro: false,
  defaultUrls: [EPSS_URL],
  async *read(path: string, opts: ReadOptions): AsyncGenerator<SourceItem> {
    for (const file of await feedFiles(path, ['.csv', '.csv.gz'])) {
      const lines = createInterface({ input: await openFeed(file), crlfDelay: Infinity });
      let header: string[] | undefined;
      let lineNo = 0;
      for await (const line of lines) {
        lineNo++;
        if (line.startsWith('#') || line.trim() === '') continue;
        if (line.length > 1024) {
          opts.issues({ where: `${file}:${lineNo}`, message: 'line too long' });
          continue;
        }
        const cells = line.split(',').map((c) => c.trim());
        if (header === undefined) {
          header = cells;
          if (!header.includes('cve') || !header.includes('epss')) throw new Error(`${file}: not an EPSS CSV (header ${line})`);
          continue;
        }
        const cve = cells[header.indexOf('cve')];
        const score = Number(cells[header.indexOf('epss')]);
        const pct = Number(cells[header.indexOf('percentile')]);
        if (cve === undefined || !CVE.test(cve) || !Number.isFinite(score) || score < 0 || score > 1) {
          opts.issues({ where: `${file}:${lineNo}`, message: 'malformed EPSS row' });
          continue;
        }
        yield { kind: 'metrics', metrics: { cve, epssScore: score, ...(Number.isFinite(pct) ? { epssPercentile: pct } : {}) } };
      }
      if (header === undefined) throw new Error(`${file}: empty EPSS file`);
    }
  },
};
