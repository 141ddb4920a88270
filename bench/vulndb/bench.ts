/**
 * Vulnerability database benchmark (not part of the test run): import rate of the shared OSV sets
 * (Go, PyPI, crates.io) from their directories and from osv.dev-style all.zip files, into a fresh
 * on-disk SQLite database, and the time to match an SBOM of 1,000 packages (cold, then with the
 * per-revision cache warm). `npx vite-node bench/vulndb/bench.ts` (CROWSNEST_SHARED_DIR to relocate ../shared).
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPath } from '../../test/helpers/shared.js';
import { openSqliteDatabase } from '../../src/metadata/sqlite/sqlite-metadata-store.js';
import type { Package } from '../../src/model/package.js';
import { VulnMatcher } from '../../src/vulndb/match/matcher.js';
import { osvSource } from '../../src/vulndb/sources/osv-source.js';
import { makeZip } from '../../src/vulndb/test-helpers.js';
import { VulnDb } from '../../src/vulndb/vulndb-store.js';

const ECOSYSTEMS = ['Go', 'PyPI', 'crates.io'];

/** CPU seconds of this process (user + system): on a shared machine wall time alone misleads. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function importAll(dir: string, paths: readonly string[]): Promise<{ count: number; seconds: number; cpu: number }> {
  const db = await openSqliteDatabase(join(dir, `bench-${Date.now()}.db`));
  try {
    const store = new VulnDb(db);
    let count = 0;
    const started = performance.now();
    const cpu = cpuSeconds();
    for (const p of paths) count += (await store.import('osv', osvSource.read(p, { issues: () => undefined }))).added;
    return { count, seconds: (performance.now() - started) / 1000, cpu: cpuSeconds() - cpu };
  } finally {
    await db.destroy();
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'crowsnest-bench-vulndb-'));
  try {
    const dirs = ECOSYSTEMS.map((e) => sharedPath('data', 'osv', e));
    const zips: string[] = [];
    for (const [i, d] of dirs.entries()) {
      const names = (await readdir(d)).filter((f) => f.endsWith('.json'));
      const zip = join(dir, `${ECOSYSTEMS[i] ?? i}-all.zip`);
      await writeFile(zip, makeZip(await Promise.all(names.map(async (n) => ({ name: n, data: await readFile(join(d, n)) })))));
      zips.push(zip);
    }
    const fromDirs = await importAll(dir, dirs);
    console.log(`import from directories: ${fromDirs.count} advisories in ${fromDirs.seconds.toFixed(2)} s = ${Math.round(fromDirs.count / fromDirs.seconds)} advisories/s (target >= 5000); ${Math.round(fromDirs.count / fromDirs.cpu)} per CPU second`);
    const fromZips = await importAll(dir, zips);
    console.log(`import from all.zip:     ${fromZips.count} advisories in ${fromZips.seconds.toFixed(2)} s = ${Math.round(fromZips.count / fromZips.seconds)} advisories/s (target >= 5000); ${Math.round(fromZips.count / fromZips.cpu)} per CPU second`);

    const db = await openSqliteDatabase(join(dir, 'match.db'));
    try {
      const store = new VulnDb(db);
      for (const z of zips) await store.import('osv', osvSource.read(z, { issues: () => undefined }));
      // 1,000 distinct packages named in the data, at a mix of old (vulnerable) and recent versions.
      const pkgs: Package[] = [];
      for (const [eco, type] of [['Go', 'golang'], ['PyPI', 'pypi'], ['crates.io', 'cargo']] as const) {
        const seen = new Set<string>();
        for (const f of await readdir(sharedPath('data', 'osv', eco))) {
          const rec = JSON.parse(await readFile(sharedPath('data', 'osv', eco, f), 'utf8')) as { affected?: { package: { name: string } }[] };
          for (const a of rec.affected ?? []) {
            if (seen.has(a.package.name) || pkgs.length >= 1000) continue;
            seen.add(a.package.name);
            const version = pkgs.length % 2 === 0 ? (type === 'golang' ? 'v0.1.0' : '0.1.0') : type === 'golang' ? 'v99.0.0' : '99.0.0';
            pkgs.push({ name: a.package.name, version, type, purl: `pkg:${type}/${a.package.name}@${version}`, licenses: [], locations: [], foundBy: 'bench' });
          }
          if (seen.size >= 340) break;
        }
      }
      const matcher = new VulnMatcher(store);
      let started = performance.now();
      let cpu = cpuSeconds();
      const findings = await matcher.match(pkgs);
      const cold = performance.now() - started;
      const coldCpu = (cpuSeconds() - cpu) * 1000;
      const runs: number[] = [];
      const cpus: number[] = [];
      for (let i = 0; i < 5; i++) {
        started = performance.now();
        cpu = cpuSeconds();
        await matcher.match(pkgs);
        runs.push(performance.now() - started);
        cpus.push((cpuSeconds() - cpu) * 1000);
      }
      runs.sort((a, b) => a - b);
      cpus.sort((a, b) => a - b);
      console.log(
        `match ${pkgs.length} packages: ${cold.toFixed(1)} ms cold (${coldCpu.toFixed(1)} ms CPU), ${(runs[2] ?? 0).toFixed(1)} ms warm median ` +
          `(${(cpus[2] ?? 0).toFixed(1)} ms CPU) (${findings.length} findings; target < 50 ms)`,
      );
      console.log('OSV-Scanner comparison: not run (osv-scanner is not built in this environment)');
    } finally {
      await db.destroy();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
