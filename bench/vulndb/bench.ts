/**
 * Vulnerability database benchmark (not part of the test run): import rate of the shared OSV sets
 * (Go, PyPI, crates.io) from their directories and from osv.dev-style all.zip files, into a fresh
 * on-disk SQLite database, and the time to match an SBOM of 1,000 packages three ways: the first match of
 * the process, a fresh matcher in a warm process (the first image after a data change: empty lookup
 * cache), and a matcher whose per-revision cache is warm. `npx vite-node bench/vulndb/bench.ts`
 * (CROWSNEST_SHARED_DIR to relocate ../shared).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sharedPath } from '../../test/helpers/shared.js';
import { findTool } from '../../test/helpers/tools.js';
import { openSqliteDatabase } from '../../src/metadata/sqlite/sqlite-metadata-store.js';
import type { Package } from '../../src/model/package.js';
import { VulnMatcher } from '../../src/vulndb/match/matcher.js';
import { osvSource } from '../../src/vulndb/sources/osv-source.js';
import { makeZip } from '../../test/helpers/zip.js';
import { VulnDb } from '../../src/vulndb/vulndb-store.js';

const ECOSYSTEMS = ['Go', 'PyPI', 'crates.io'];
const run = promisify(execFile);

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

/** A version go.mod accepts for `module`: the major version its path names (`/v2`, `.v3`), an old or a new one. */
function goVersion(module: string, age: 'old' | 'new'): string {
  const suffix = /\/v(\d+)$/.exec(module)?.[1];
  const gopkg = /^gopkg\.in\/.*\.v(\d+)$/.exec(module)?.[1];
  if (gopkg !== undefined) return age === 'old' ? `v${gopkg}.0.1` : `v${gopkg}.999.0`;
  if (suffix !== undefined && Number(suffix) >= 2) return age === 'old' ? `v${suffix}.0.1` : `v${suffix}.999.0`;
  return age === 'old' ? 'v0.1.0' : 'v1.999.0';
}

/** The same packages as lockfiles, scanned by OSV-Scanner offline on zips of the same OSV data. */
async function osvScannerSeconds(bin: string, dir: string, pkgs: readonly Package[]): Promise<number> {
  const src = join(dir, 'lockfiles');
  await mkdir(src, { recursive: true });
  const of = (type: string) => pkgs.filter((p) => p.type === type);
  await writeFile(join(src, 'requirements.txt'), of('pypi').map((p) => `${p.name}==${p.version}`).join('\n'));
  // go.mod accepts only real module paths (a dot in the first element); the few others stay out of OSV-Scanner's input.
  const goModules = of('golang').filter((p) => /^[a-z0-9.-]+\.[a-z]+\/\S+$/i.test(p.name));
  await writeFile(join(src, 'go.mod'), `module bench\n\nrequire (\n${goModules.map((p) => `\t${p.name} ${p.version}`).join('\n')}\n)\n`);
  await writeFile(
    join(src, 'Cargo.lock'),
    `version = 3\n\n${of('cargo').map((p) => `[[package]]\nname = "${p.name}"\nversion = "${p.version}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n`).join('\n')}`,
  );
  for (const eco of ECOSYSTEMS) {
    const from = sharedPath('data', 'osv', eco);
    const to = join(dir, 'osv-db', 'osv-scanner', eco);
    await mkdir(to, { recursive: true });
    // OSV-Scanner 2.2 panics on affected entries in ecosystems it does not know; such records stay out.
    const files: string[] = [];
    for (const f of await readdir(from)) {
      const rec = JSON.parse(await readFile(join(from, f), 'utf8')) as { affected?: { package?: { ecosystem?: string } }[] };
      if (!(rec.affected ?? []).some((a) => a.package?.ecosystem !== undefined && a.package.ecosystem !== eco)) files.push(join(from, f));
    }
    await run(findTool('zip') ?? 'zip', ['-q', '-j', join(to, 'all.zip'), ...files], { maxBuffer: 64 * 1024 * 1024 });
  }
  const started = performance.now();
  await run(bin, ['scan', '--offline-vulnerabilities', '--format', 'json', ...['requirements.txt', 'go.mod', 'Cargo.lock'].flatMap((f) => ['-L', join(src, f)])], {
    env: { ...process.env, OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY: join(dir, 'osv-db') },
    maxBuffer: 256 * 1024 * 1024,
  }).catch((err: { code?: number }) => {
    if (err.code !== 1) throw err; // 1 = vulnerabilities found
  });
  return (performance.now() - started) / 1000;
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
            const version = pkgs.length % 2 === 0 ? (type === 'golang' ? goVersion(a.package.name, 'old') : '0.1.0') : type === 'golang' ? goVersion(a.package.name, 'new') : '99.0.0';
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
      // What a long-running server sees for the first image after a data change: the code is warm, the
      // matcher's per-revision cache is empty (a fresh matcher each time, so every lookup goes to the
      // database and every package version is evaluated again).
      const fresh: number[] = [];
      const freshCpus: number[] = [];
      for (let i = 0; i < 9; i++) {
        const m = new VulnMatcher(store);
        started = performance.now();
        cpu = cpuSeconds();
        const again = await m.match(pkgs);
        fresh.push(performance.now() - started);
        freshCpus.push((cpuSeconds() - cpu) * 1000);
        if (again.length !== findings.length) throw new Error(`empty-cache match found ${again.length} findings, the first ${findings.length}`);
      }
      fresh.sort((a, b) => a - b);
      freshCpus.sort((a, b) => a - b);
      console.log(
        `match ${pkgs.length} packages (${findings.length} findings; target < 50 ms): ` +
          `${cold.toFixed(1)} ms first in a fresh process (${coldCpu.toFixed(1)} ms CPU); ` +
          `empty lookup cache in a warm process ${(fresh[4] ?? 0).toFixed(1)} ms median (${(fresh[0] ?? 0).toFixed(1)}–${(fresh[8] ?? 0).toFixed(1)} over 9 runs, ${(freshCpus[4] ?? 0).toFixed(1)} ms CPU); ` +
          `per-revision cache warm ${(runs[2] ?? 0).toFixed(1)} ms median (${(cpus[2] ?? 0).toFixed(1)} ms CPU)`,
      );
      const scanner = findTool('osv-scanner');
      if (scanner === undefined || findTool('zip') === undefined) {
        console.log('OSV-Scanner comparison: not run (install osv-scanner and zip with scripts/install-test-deps.sh)');
      } else {
        const seconds = await osvScannerSeconds(scanner, dir, pkgs);
        console.log(
          `OSV-Scanner ${seconds.toFixed(2)} s on the same ${pkgs.length} packages (lockfiles, offline, same data): ` +
            `crowsnest/osv-scanner = ${(cold / 1000 / seconds).toFixed(3)} first, ${((fresh[4] ?? 0) / 1000 / seconds).toFixed(3)} empty cache, ${((runs[2] ?? 0) / 1000 / seconds).toFixed(3)} warm`,
        );
      }
    } finally {
      await db.destroy();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
