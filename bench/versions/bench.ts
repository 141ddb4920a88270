/**
 * Micro-benchmark of `compare` per version scheme (the matcher calls it millions of times):
 * nanoseconds per call over realistic version pairs. Not part of the test run:
 * `npx vite-node bench/versions/bench.ts` (BENCH_ITERATIONS, default 200000 per scheme).
 */
import { compare, type SchemeName } from '../../src/versions/index.js';

const PAIRS: Record<SchemeName, readonly (readonly [string, string])[]> = {
  deb: [['2.36-9+deb12u4', '2.36-9+deb12u7'], ['1:1.2.13.dfsg-1', '1:1.2.13.dfsg-1+deb12u1'], ['3.0.11-1~deb12u2', '3.0.11-1']],
  apk: [['3.1.4-r5', '3.1.4-r6'], ['1.36.1-r15', '1.36.1-r29'], ['2.4_rc1-r0', '2.4-r0']],
  rpm: [['2.28-225.el8', '2.28-225.el8_8.6'], ['1:1.1.1k-9.el8_7', '1:1.1.1k-12.el8_9'], ['5.4.4-4.el9', '5.4.4-4.el9_1']],
  alpm: [['2.41-5', '2.41-5.1'], ['1:3.1.4-1', '1:3.1.4-2'], ['6.6.1.arch1-1', '6.6.2.arch1-1']],
  pypi: [['2.31.0', '2.32.0'], ['1.26.0rc1', '1.26.0'], ['3.1.2.post1', '3.1.2']],
  npm: [['4.17.20', '4.17.21'], ['1.0.0-beta.2', '1.0.0'], ['7.5.4', '7.6.0']],
  maven: [['2.13.4.2', '2.14.0-rc1'], ['5.3.18', '5.3.20'], ['1.0-SNAPSHOT', '1.0']],
  gem: [['7.0.8.1', '7.0.8.4'], ['1.0.a', '1.0'], ['6.1.7.6', '7.0.0']],
  golang: [['v0.0.0-20200101000000-abcdef123456', 'v0.1.0'], ['v1.2.3', 'v1.2.4'], ['v2.0.0+incompatible', 'v2.1.0']],
  nuget: [['13.0.1', '13.0.3'], ['6.0.0-rc.1.21451.13', '6.0.0'], ['4.7.2', '4.10.0']],
  composer: [['5.4.0-BETA3', '5.4.0'], ['1.0.0-RC1', '1.0.0'], ['2.3.4', '2.3.10']],
  cargo: [['1.0.0-rc.1', '1.0.0'], ['0.4.38', '0.4.39'], ['1.35.1', '1.36.0']],
  semver: [['1.0.0-rc.1', '1.0.0'], ['0.4.38', '0.4.39'], ['1.35.1', '1.36.0']],
};

const iterations = Number(process.env.BENCH_ITERATIONS ?? 200_000);
let sink = 0;
for (const [scheme, pairs] of Object.entries(PAIRS) as [SchemeName, (typeof PAIRS)[SchemeName]][]) {
  for (let i = 0; i < 2000; i++) for (const [a, b] of pairs) sink += compare(scheme, a, b);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const [a, b] = pairs[i % pairs.length] as readonly [string, string];
    sink += compare(scheme, a, b);
  }
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  console.log(`${scheme.padEnd(9)} ${ns.toFixed(0).padStart(6)} ns/compare`);
}
if (sink === Number.MIN_SAFE_INTEGER) console.log(sink);
