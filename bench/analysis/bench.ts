/**
 * Analysis benchmark driver (see run.sh): builds the image once, then measures the decompress floor,
 * `crowsnest sbom oci:DIR` (wall time, peak RSS via /usr/bin/time) and syft on the same layout.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { buildImage, writeOciLayout } from '../../test/helpers/image-builder.js';
import { repoRoot } from '../../test/helpers/registry-process.js';
import { sharedPath } from '../../test/helpers/shared.js';
import { findSyft, floorSeconds, timed } from './measure.js';

const sizeMiB = Number(process.env.BENCH_SIZE_MIB ?? 1024);
const layerCount = Number(process.env.BENCH_LAYERS ?? 8);
const dir = process.env.BENCH_DIR ?? join(tmpdir(), `crowsnest-bench-${sizeMiB}m-${layerCount}l`);
const FIXTURES = ['dpkg', 'apk', 'rpm', 'npm/syft-package-lock', 'python', 'cargo/syft-cargo-lock', 'gem', 'composer'];

function filesOf(root: string): [string, Buffer][] {
  if (!existsSync(root)) return [];
  const out: [string, Buffer][] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (n !== 'expected.json') out.push([relative(root, p), readFileSync(p)]);
    }
  };
  walk(root);
  return out;
}

/** One layer: a fixture folder's files plus filler files (half random, half text, so gzip has work). */
async function layer(i: number, bytes: number): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  const fixture = FIXTURES[i % FIXTURES.length] ?? 'npm';
  for (const [p, b] of filesOf(sharedPath('fixtures', fixture))) pack.entry({ name: `fixture${i}/${p}` }, b);
  const text = Buffer.from('lorem ipsum dolor sit amet '.repeat(40000).slice(0, 1024 * 1024));
  for (let n = 0, written = 0; written < bytes; n++) {
    const body = n % 2 === 0 ? randomBytes(1024 * 1024) : text;
    pack.entry({ name: `filler${i}/d${n % 64}/f${n}.bin` }, body);
    written += body.length;
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks), { level: 1 });
}

async function build(): Promise<void> {
  if (existsSync(join(dir, 'index.json'))) return;
  mkdirSync(dir, { recursive: true });
  const per = Math.floor((sizeMiB * 1024 * 1024) / layerCount);
  const layers: Buffer[] = [];
  for (let i = 0; i < layerCount; i++) layers.push(await layer(i, per));
  const img = buildImage({ layers });
  writeOciLayout(dir, img.manifest, [img.config, ...img.layers], 'bench');
}

await build();
const size = readdirSync(join(dir, 'blobs', 'sha256')).reduce((a, n) => a + statSync(join(dir, 'blobs', 'sha256', n)).size, 0);
console.log(`image: ${dir} (${layerCount} layers, ${(size / 1024 / 1024).toFixed(0)} MiB compressed, ~${sizeMiB} MiB uncompressed)`);
const floor = await floorSeconds(dir);
console.log(`decompress floor:   ${floor.toFixed(2)} s`);
const cn = timed(process.execPath, [join(repoRoot, 'bin', 'crowsnest.js'), 'sbom', `oci:${dir}:bench`, '--format', 'json']);
console.log(`crowsnest sbom:     ${cn.seconds.toFixed(2)} s, peak RSS ${cn.rssMiB?.toFixed(0) ?? '?'} MiB${cn.ok ? '' : ' (FAILED)'} — ${(cn.seconds / floor).toFixed(2)}x floor`);
const syft = findSyft();
if (syft) {
  const s = timed(syft, ['scan', `oci-dir:${dir}`, '-o', 'json', '-q']);
  console.log(`syft:               ${s.seconds.toFixed(2)} s, peak RSS ${s.rssMiB?.toFixed(0) ?? '?'} MiB${s.ok ? '' : ' (FAILED)'} — crowsnest/syft ${(cn.seconds / s.seconds).toFixed(2)}`);
} else {
  console.log('syft:               not installed (go install github.com/anchore/syft/cmd/syft@v1.18.1)');
}
