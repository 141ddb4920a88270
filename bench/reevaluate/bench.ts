/**
 * Re-evaluation benchmark (not part of the test run): BENCH_IMAGES (10,000) stored images of
 * BENCH_PACKAGES (300) packages each — synthetic SBOMs over the real package names of the shared
 * OSV data (Go, PyPI, crates.io), drawn with a Zipf-like popularity so a few packages are in most
 * images and most are in few, at old (vulnerable) and current versions — in advanced repositories,
 * matched against the real OSV data. Prints the time of a full re-match of every image, the time to
 * re-evaluate after an import that touches 50 package keys, and peak RSS.
 * `npx vite-node bench/reevaluate/bench.ts` (CROWSNEST_SHARED_DIR to relocate ../shared).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, open, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { SbomStore } from '../../src/analysis/store/sbom-store.js';
import type { Digest } from '../../src/core/digest.js';
import { ImageEvaluator } from '../../src/evaluation/image-evaluator.js';
import { Reevaluation } from '../../src/evaluation/reevaluation.js';
import { KyselyJobQueue } from '../../src/jobs/kysely-job-queue.js';
import type { Database } from '../../src/metadata/kysely/schema/index.js';
import { openSqliteDatabase } from '../../src/metadata/sqlite/sqlite-metadata-store.js';
import type { Package, PackageType } from '../../src/model/package.js';
import { RepositorySettingsStore } from '../../src/repositories/repository-settings.js';
import { osvSource } from '../../src/vulndb/sources/osv-source.js';
import { VulnDb } from '../../src/vulndb/vulndb-store.js';
import { hasShared, sharedPath } from '../../test/helpers/shared.js';

const IMAGES = Number(process.env.BENCH_IMAGES ?? 10_000);
const PACKAGES = Number(process.env.BENCH_PACKAGES ?? 300);
const TOUCHED = 50;
const ECOSYSTEMS = [
  ['Go', 'golang'],
  ['PyPI', 'pypi'],
  ['crates.io', 'cargo'],
] as const;

/** Deterministic pseudo-random numbers (the same images every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}` as Digest;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  if (!hasShared('data', 'osv', 'PyPI')) throw new Error('the shared OSV data is missing (set CROWSNEST_SHARED_DIR)');
  const dir = await mkdtemp(join(tmpdir(), 'crowsnest-bench-reeval-'));
  // BENCH_STATE_DIR keeps the database as it is before the delta, so later runs of the same size go
  // straight to the delta (the loading phases take minutes at 10,000 images).
  const saved = process.env.BENCH_STATE_DIR ? join(process.env.BENCH_STATE_DIR, `images-${IMAGES}-${PACKAGES}.db`) : undefined;
  const reuse = saved !== undefined && existsSync(saved);
  if (reuse) {
    await copyFile(saved, join(dir, 'bench.db'));
    // Flush the copy now, so its writeback does not compete with the timed delta.
    const copy = await open(join(dir, 'bench.db'), 'r+');
    await copy.datasync();
    await copy.close();
  }
  let db = await openSqliteDatabase(join(dir, 'bench.db'));
  try {
    let vulndb = new VulnDb(db);
    const pool: { name: string; type: PackageType }[] = [];
    for (const [eco, type] of ECOSYSTEMS) {
      if (!reuse) await vulndb.import('osv', osvSource.read(sharedPath('data', 'osv', eco), { issues: () => undefined }));
      const seen = new Set<string>();
      for (const f of await readdir(sharedPath('data', 'osv', eco))) {
        const rec = JSON.parse(await readFile(sharedPath('data', 'osv', eco, f), 'utf8')) as { affected?: { package: { name: string; ecosystem: string } }[] };
        for (const a of rec.affected ?? []) {
          if (a.package.ecosystem !== eco || seen.has(a.package.name)) continue;
          seen.add(a.package.name);
          pool.push({ name: a.package.name, type });
        }
      }
    }
    const random = rng(42);
    // Shuffle so popularity does not follow ecosystem order, then weight rank r by 1/(r+10).
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [pool[i], pool[j]] = [pool[j] as (typeof pool)[number], pool[i] as (typeof pool)[number]];
    }
    const weights = pool.map((_, r) => 1 / (r + 10));
    const cumulative: number[] = [];
    weights.reduce((acc, w, i) => (cumulative[i] = acc + w), 0);
    const total = cumulative[cumulative.length - 1] ?? 1;
    const pick = (): number => {
      const x = random() * total;
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((cumulative[mid] ?? 0) < x) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    console.log(`${pool.length} package names from the OSV data; ${IMAGES} images of ${PACKAGES} packages`);

    const log = pino({ level: 'silent' });
    const parts = (d: Kysely<Database>) => {
      const sboms = new SbomStore(d);
      const settings = new RepositorySettingsStore(d);
      const evaluator = new ImageEvaluator(d, sboms, vulndb);
      return { sboms, settings, evaluator, reevaluation: new Reevaluation({ db: d, queue: new KyselyJobQueue(d), vulndb, sboms, settings, evaluator, log }) };
    };
    let { sboms, settings, evaluator, reevaluation } = parts(db);
    let started = performance.now();
    const images: { digest: Digest; repository: string }[] = [];
    for (let i = 0; i < IMAGES; i++) {
      const chosen = new Set<number>();
      while (chosen.size < PACKAGES) chosen.add(pick());
      const packages: Package[] = [...chosen].map((r) => {
        const p = pool[r] as (typeof pool)[number];
        const version = (r + i) % 3 === 0 ? (p.type === 'golang' ? 'v0.0.1' : '0.1.0') : p.type === 'golang' ? 'v99.0.0' : '99.0.0';
        return { name: p.name, version, type: p.type, purl: `pkg:${p.type}/${p.name}@${version}`, licenses: [], locations: [{ path: `app/${p.name}`, layerIndex: 0 }], foundBy: 'bench' };
      });
      const digest = sha(`image ${i}`);
      const repository = `bench/app${i % 500}`;
      if (!reuse) await sboms.saveResult(digest, { image: { digest, platform: { os: 'linux', architecture: 'amd64' }, layers: [] }, packages, analyzedAt: new Date().toISOString(), tool: { name: 'bench', version: '1' } }, 'bench');
      images.push({ digest, repository });
    }
    if (reuse) {
      console.log(`reusing the evaluated images of ${saved}`);
    } else {
      for (let r = 0; r < 500; r++) await settings.setAnalysis(`bench/app${r}`, 'advanced');
      console.log(`stored ${IMAGES} SBOMs in ${seconds(performance.now() - started)}`);

      // The data was imported before any image was pushed: nothing to re-evaluate yet.
      await reevaluation.run();
      // First evaluation of every image (analysis does it once per push, one image at a time; here in
      // chunks of 200 per transaction to keep the load phase short).
      started = performance.now();
      for (let i = 0; i < images.length; i += 200) {
        const items = [];
        for (const image of images.slice(i, i + 200)) {
          const sbom = await sboms.load(image.digest, 'linux/amd64');
          if (sbom) items.push({ repository: image.repository, platform: 'linux/amd64', matched: await evaluator.match(sbom) });
        }
        await evaluator.storeMany(items, 'analysis');
      }
      console.log(`first evaluation of ${IMAGES} images (200 per transaction): ${seconds(performance.now() - started)}`);

      // A matcher upgrade: the stored state names another matcher version, so every evaluation is re-matched.
      await db.updateTable('reevaluation_state').set({ matcher_version: -1 }).where('id', '=', 1).execute();
      started = performance.now();
      const rematch = await reevaluation.run();
      const full = performance.now() - started;
      console.log(`full re-match of ${rematch.images} images: ${seconds(full)} (target < 60 s); ${rematch.changed} changed`);

      if (saved) {
        await db.destroy();
        await copyFile(join(dir, 'bench.db'), saved);
        db = await openSqliteDatabase(join(dir, 'bench.db'));
        vulndb = new VulnDb(db);
        ({ sboms, settings, evaluator, reevaluation } = parts(db));
      }
    }

    // An import touching 50 package keys: new advisories for 50 names drawn uniformly from the pool.
    const feed = join(dir, 'delta');
    await mkdir(feed);
    const touched = new Set<number>();
    while (touched.size < TOUCHED) touched.add(Math.floor(random() * pool.length));
    const eco = (t: PackageType) => ECOSYSTEMS.find(([, ty]) => ty === t)?.[0] ?? 'PyPI';
    for (const r of touched) {
      const p = pool[r] as (typeof pool)[number];
      const id = `GHSA-bnch-${String(r).padStart(4, '0')}-0001`;
      await writeFile(
        join(feed, `${id}.json`),
        JSON.stringify({ schema_version: '1.6.0', id, modified: '2026-11-22T00:00:00Z', affected: [{ package: { ecosystem: eco(p.type), name: p.name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }] }),
      );
    }
    const imported = await vulndb.import('osv', osvSource.read(feed, { issues: () => undefined }));
    started = performance.now();
    const outcome = await reevaluation.run();
    const delta = performance.now() - started;
    console.log(
      `re-evaluate after a delta touching ${imported.touchedPackages} package keys: ${seconds(delta)} (target < 2 s); ` +
        `${outcome.images} images re-matched, ${outcome.changed} changed`,
    );
    console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
