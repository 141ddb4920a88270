/**
 * CVSS helpers: the v3.x base score from a vector (OSV and GHSA records carry only the vector) and
 * picking the best CVSS of several. v4 scores need the spec's large macro-vector tables, so v4
 * vectors are carried without a computed score unless a feed states one.
 */
import type { Cvss } from './advisory.js';

const W = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
} as const;

// CVSS v3.1 spec, Appendix A: Roundup avoids floating-point surprises like 4.000000001 → 4.1.
function roundUp(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}

function pick<T extends Record<string, number>>(table: T, key: string | undefined): number | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key as keyof T] : undefined;
}

/** Base score of a "CVSS:3.x/AV:…" vector, or undefined when the vector is not a complete v3 base vector. */
export function cvss3BaseScore(vector: string): number | undefined {
  if (!/^CVSS:3\.[01]\//.test(vector) || vector.length > 200) return undefined;
  const m = new Map<string, string>();
  for (const part of vector.split('/').slice(1)) {
    const [k, v] = part.split(':');
    if (k !== undefined && v !== undefined) m.set(k, v);
  }
  const scope = m.get('S');
  const av = pick(W.AV, m.get('AV'));
  const ac = pick(W.AC, m.get('AC'));
  const ui = pick(W.UI, m.get('UI'));
  const c = pick(W.CIA, m.get('C'));
  const i = pick(W.CIA, m.get('I'));
  const a = pick(W.CIA, m.get('A'));
  const prKey = m.get('PR');
  const pr = prKey === 'N' ? 0.85 : prKey === 'L' ? (scope === 'C' ? 0.68 : 0.62) : prKey === 'H' ? (scope === 'C' ? 0.5 : 0.27) : undefined;
  if (av === undefined || ac === undefined || ui === undefined || c === undefined || i === undefined || a === undefined || pr === undefined) return undefined;
  if (scope !== 'U' && scope !== 'C') return undefined;
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = scope === 'U' ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15);
  const exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0) return 0;
  return scope === 'U' ? roundUp(Math.min(impact + exploitability, 10)) : roundUp(Math.min(1.08 * (impact + exploitability), 10));
}

/** A Cvss from an OSV severity entry ({type: "CVSS_V3", score: "<vector>"}); undefined for other types. */
export function cvssFromVector(type: string, vector: string): Cvss | undefined {
  if (type === 'CVSS_V3') {
    const version = vector.startsWith('CVSS:3.0/') ? '3.0' : '3.1';
    const score = cvss3BaseScore(vector);
    return score === undefined ? { version, vector } : { version, vector, score };
  }
  if (type === 'CVSS_V4') return { version: '4.0', vector };
  if (type === 'CVSS_V2') return { version: '2.0', vector };
  return undefined;
}

/** Highest-version scored CVSS first (v4 with a score, then v3.1, v3.0, v2). */
export function bestCvss(list: readonly Cvss[]): Cvss | undefined {
  let best: Cvss | undefined;
  const rank = (c: Cvss) => (c.score === undefined ? 0 : 10) + Number.parseFloat(c.version);
  for (const c of list) if (best === undefined || rank(c) > rank(best)) best = c;
  return best;
}
