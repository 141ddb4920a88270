/**
 * Test-only helpers for the language catalogers: an ImageFs over a directory tree or an in-memory map,
 * and a fixture scorer computing recall/precision of (name, version) against shared expected.json files.
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogContext, Cataloger, ImageFile, ImageFs } from '../cataloger.js';
import { noopLogger } from '../../core/log.js';
import type { Package } from '../../model/package.js';

export function fsFromMap(files: Readonly<Record<string, string | Uint8Array>>, mode = 0o644): ImageFs {
  const map = new Map<string, ImageFile>();
  for (const [p, content] of Object.entries(files)) {
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    const path = p.startsWith('/') ? p : `/${p}`;
    map.set(path, {
      path,
      size: bytes.length,
      mode,
      layerIndex: 0,
      bytes: () => Promise.resolve(bytes),
      text: () => Promise.resolve(new TextDecoder().decode(bytes)),
    });
  }
  const sorted = [...map.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { get: (p) => map.get(p), files: () => sorted };
}

/** Walks `dir` and exposes the files the cataloger selects, rooted at `/` (or `mountAt`). */
export function fsFromDir(dir: string, cataloger?: Cataloger, mountAt = ''): ImageFs {
  const files: Record<string, Uint8Array> = {};
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d)) {
      const abs = join(d, name);
      const st = statSync(abs);
      const p = `${rel}/${name}`;
      if (st.isDirectory()) walk(abs, p);
      else if (st.isFile()) {
        if (cataloger && !cataloger.selects({ path: p, size: st.size, mode: st.mode & 0o7777 })) continue;
        files[p] = readFileSync(abs);
      }
    }
  };
  walk(dir, mountAt);
  return fsFromMap(files);
}

export function ctxFor(fs: ImageFs, env: Record<string, string> = {}): CatalogContext {
  return { fs, distro: undefined, env, log: noopLogger, signal: new AbortController().signal };
}

export async function runCatalogers(fs: ImageFs, catalogers: readonly Cataloger[], env: Record<string, string> = {}): Promise<Package[]> {
  const out: Package[] = [];
  for (const c of catalogers) out.push(...(await c.catalog(ctxFor(fs, env))).packages);
  return out;
}

export interface Expected {
  source?: { repo?: string };
  complete?: boolean;
  expect_error?: boolean;
  packages: { name: string; version: string; dev?: boolean; type?: string }[];
}

export interface FixtureScore {
  fixture: string;
  expected: number;
  found: number;
  truePositives: number;
  complete: boolean;
  missing: string[];
  extra: string[];
}

/** Scores every fixture folder under `root` by (name, version) multiset overlap. */
export interface ScoreOptions {
  /** Fixture folders to score (default all). */
  readonly only?: (fixture: string) => boolean;
  /** Which found packages count, e.g. excluding dev-only lock entries the peers leave out. */
  readonly counts?: (pkg: Package, expected: Expected) => boolean;
  /** Name equivalence of the ecosystem (e.g. PEP 503 for Python). */
  readonly normalize?: (name: string) => string;
  /** A looser match tried for expected packages left unmatched (documented per ecosystem). */
  readonly alsoMatches?: (got: { name: string; version: string }, want: { name: string; version: string }) => boolean;
}

export async function scoreFixtures(root: string, catalogers: readonly Cataloger[], opts: ScoreOptions = {}): Promise<FixtureScore[]> {
  const { only, counts } = opts;
  const norm = opts.normalize ?? ((n: string): string => n);
  const scores: FixtureScore[] = [];
  for (const fixture of readdirSync(root).sort()) {
    const expPath = join(root, fixture, 'expected.json');
    if (!existsSync(expPath) || (only && !only(fixture))) continue;
    const exp = JSON.parse(readFileSync(expPath, 'utf8')) as Expected;
    const all: Record<string, Uint8Array> = {};
    for (const c of catalogers) for (const f of fsFromDir(join(root, fixture), c).files()) all[f.path] = await f.bytes();
    const pkgs = await runCatalogers(fsFromMap(all), catalogers);
    const want = exp.packages.map((p) => `${norm(p.name)}@${p.version}`);
    const got = pkgs.filter((p) => !counts || counts(p, exp)).map((p) => `${norm(p.name)}@${p.version}`);
    const remaining = [...got];
    const missing: string[] = [];
    let tp = 0;
    for (const w of want) {
      const i = remaining.indexOf(w);
      if (i >= 0) {
        tp++;
        remaining.splice(i, 1);
      } else missing.push(w);
    }
    if (opts.alsoMatches) {
      const loose = opts.alsoMatches;
      for (const m of [...missing]) {
        const want = exp.packages.find((p) => `${norm(p.name)}@${p.version}` === m);
        const i = remaining.findIndex((r) => {
          const at = r.lastIndexOf('@');
          return want !== undefined && loose({ name: r.slice(0, at), version: r.slice(at + 1) }, want);
        });
        if (i >= 0) {
          tp++;
          remaining.splice(i, 1);
          missing.splice(missing.indexOf(m), 1);
        }
      }
    }
    const complete = exp.complete !== false;
    scores.push({ fixture, expected: want.length, found: got.length, truePositives: tp, complete, missing, extra: complete ? remaining : [] });
  }
  return scores;
}

/** Recall over all fixtures; precision only over fixtures whose expectations are complete. */
export function summarize(eco: string, scores: readonly FixtureScore[]): { recall: number; precision: number; table: string } {
  let exp = 0;
  let tp = 0;
  let cFound = 0;
  let cTp = 0;
  const rows = [`${eco}: fixture | expected | found | matched | missing | extra`];
  for (const s of scores) {
    exp += s.expected;
    tp += s.truePositives;
    if (s.complete) {
      cFound += s.found;
      cTp += s.truePositives;
    }
    rows.push(`  ${s.fixture} | ${s.expected} | ${s.found} | ${s.truePositives} | ${s.missing.join(' ')} | ${s.extra.join(' ')}`);
  }
  const recall = exp === 0 ? 1 : tp / exp;
  const precision = cFound === 0 ? 1 : cTp / cFound;
  rows.push(`  TOTAL recall=${(recall * 100).toFixed(1)}% precision=${(precision * 100).toFixed(1)}%`);
  return { recall, precision, table: rows.join('\n') };
}
