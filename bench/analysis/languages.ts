/**
 * Language-heavy analysis benchmark (see run-languages.sh): an image of a real `npm install` of large
 * dependency trees, a real `pip install --target` of popular Python distributions and a few hundred jars
 * resolved by Maven from Maven Central. The package managers' own listings (`npm query`, `pip list`,
 * `mvn dependency:list`) are the truth; the benchmark prints Crowsnest's and syft's time and how many
 * true packages each finds, with the differences.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PackageURL } from 'packageurl-js';
import { layerSpecOf } from '../../test/helpers/analysis.js';
import { buildImage, buildLayer, writeOciLayout } from '../../test/helpers/image-builder.js';
import { repoRoot } from '../../test/helpers/registry-process.js';
import { findTool } from '../../test/helpers/tools.js';
import { findSyft, floorSeconds, timed } from './measure.js';

const dir = process.env.BENCH_DIR ?? join(tmpdir(), 'crowsnest-bench-languages');
const inputs = join(dir, 'inputs');
const layout = join(dir, 'layout');

const NPM_PACKAGES = ['react-scripts@5.0.1', 'webpack@5.89.0', 'jest@29.7.0', 'eslint@8.56.0', '@angular/cli@17.0.0', 'next@14.0.4', 'gatsby@5.12.11'];
const PYPI_PACKAGES = ['jupyter==1.0.0', 'boto3==1.34.0', 'Django==4.2.8', 'Flask==3.0.0', 'SQLAlchemy==2.0.23', 'celery==5.3.6', 'fastapi==0.104.1', 'pandas==2.1.4', 'scikit-learn==1.3.2', 'apache-beam==2.52.0'];
const MAVEN_DEPENDENCIES = [
  ['org.springframework.boot', 'spring-boot-starter-web', '3.2.0'],
  ['org.springframework.boot', 'spring-boot-starter-data-jpa', '3.2.0'],
  ['org.apache.hadoop', 'hadoop-client', '3.3.6'],
  ['org.apache.kafka', 'kafka-clients', '3.6.1'],
  ['com.amazonaws', 'aws-java-sdk-s3', '1.12.600'],
] as const;

function run(cmd: string, args: readonly string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
}

function tool(name: string): string {
  const found = findTool(name);
  if (!found) throw new Error(`${name} is needed to build the language benchmark inputs`);
  return found;
}

/** "type/namespace/name@version" from a purl, names normalized the way each ecosystem compares them. */
function keyOf(purl: string): string | undefined {
  try {
    const p = PackageURL.fromString(purl);
    let name = p.name;
    if (p.type === 'pypi') name = name.toLowerCase().replace(/[-_.]+/g, '-');
    if (!['npm', 'pypi', 'maven'].includes(p.type) || !p.version) return undefined;
    return `${p.type}/${p.namespace ? `${p.namespace}/` : ''}${name}@${p.version}`;
  } catch {
    return undefined;
  }
}

function buildInputs(): Set<string> {
  const truth = new Set<string>();
  const node = join(inputs, 'node');
  if (!existsSync(join(node, 'node_modules'))) {
    mkdirSync(node, { recursive: true });
    writeFileSync(join(node, 'package.json'), JSON.stringify({ name: 'bench-app', version: '1.0.0', private: true }));
    run(tool('npm'), ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--legacy-peer-deps', ...NPM_PACKAGES], node);
  }
  for (const n of JSON.parse(run(tool('npm'), ['query', '*'], node)) as { name?: string; version?: string; location?: string }[]) {
    if (!n.name || !n.version || !n.location) continue;
    const at = n.name.lastIndexOf('/');
    const purl = n.name.startsWith('@') ? `pkg:npm/${encodeURIComponent(n.name.slice(0, at))}/${n.name.slice(at + 1)}@${n.version}` : `pkg:npm/${n.name}@${n.version}`;
    const k = keyOf(purl);
    if (k) truth.add(k);
  }

  const site = join(inputs, 'site-packages');
  if (!existsSync(site)) {
    run(tool('pip3'), ['install', '--quiet', '--disable-pip-version-check', '--target', site, ...PYPI_PACKAGES], inputs);
  }
  for (const d of readdirSync(site)) {
    // pip's own record of what it installed: one NAME-VERSION.dist-info per distribution.
    const m = /^(.+)-([^-]+)\.dist-info$/.exec(d);
    if (!m) continue;
    const meta = readFileSync(join(site, d, 'METADATA'), 'utf8');
    const name = /^Name: (.+)$/m.exec(meta)?.[1]?.trim() ?? m[1] ?? '';
    const k = keyOf(`pkg:pypi/${name.toLowerCase()}@${m[2]}`);
    if (k) truth.add(k);
  }

  const java = join(inputs, 'java');
  const libs = join(java, 'lib');
  if (!existsSync(libs)) {
    mkdirSync(java, { recursive: true });
    const deps = MAVEN_DEPENDENCIES.map(([g, a, v]) => `<dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`).join('');
    writeFileSync(
      join(java, 'pom.xml'),
      `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion><groupId>bench</groupId><artifactId>app</artifactId><version>1</version><dependencies>${deps}</dependencies></project>`,
    );
    run(tool('mvn'), ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'], java);
    run(tool('mvn'), ['-q', '-B', 'dependency:list', `-DoutputFile=${join(java, 'list.txt')}`, '-DincludeScope=runtime'], java);
  }
  for (const line of readFileSync(join(java, 'list.txt'), 'utf8').split('\n')) {
    const m = /^\s+([^:\s]+):([^:\s]+):jar:(?:[^:\s]+:)?([^:\s]+):(?:compile|runtime)/.exec(line);
    const k = m && keyOf(`pkg:maven/${m[1]}/${m[2]}@${m[3]}`);
    if (k) truth.add(k);
  }
  return truth;
}

async function buildLayout(): Promise<void> {
  if (existsSync(join(layout, 'index.json'))) return;
  rmSync(layout, { recursive: true, force: true });
  const layers = [
    await buildLayer(layerSpecOf(join(inputs, 'node'), 'app')),
    await buildLayer(layerSpecOf(join(inputs, 'site-packages'), 'usr/local/lib/python3.11/site-packages')),
    await buildLayer(layerSpecOf(join(inputs, 'java', 'lib'), 'opt/app/lib')),
  ];
  const image = buildImage({ layers, history: [{ created_by: 'RUN npm install' }, { created_by: 'RUN pip install' }, { created_by: 'COPY lib /opt/app/lib' }] });
  writeOciLayout(layout, image.manifest, [image.config, ...image.layers], 'bench');
}

function found(purls: readonly string[]): Set<string> {
  return new Set(purls.map(keyOf).filter((k): k is string => k !== undefined));
}

function compare(name: string, got: Set<string>, truth: Set<string>): void {
  const byType = (s: Iterable<string>) => {
    const out: Record<string, number> = {};
    for (const k of s) out[k.split('/')[0] ?? ''] = (out[k.split('/')[0] ?? ''] ?? 0) + 1;
    return out;
  };
  const correct = [...got].filter((k) => truth.has(k));
  const missing = [...truth].filter((k) => !got.has(k));
  const extra = [...got].filter((k) => !truth.has(k));
  console.log(`${name.padEnd(10)} correct ${correct.length}/${truth.size} ${JSON.stringify(byType(correct))}; missing ${missing.length}; not in the package managers' lists ${extra.length} ${JSON.stringify(byType(extra))}`);
  if (missing.length > 0) console.log(`  missing (first 15): ${missing.slice(0, 15).join(', ')}`);
  if (extra.length > 0) console.log(`  extra (first 15): ${extra.slice(0, 15).join(', ')}`);
}

mkdirSync(inputs, { recursive: true });
const truth = buildInputs();
await buildLayout();
const size = readdirSync(join(layout, 'blobs', 'sha256')).reduce((a, n) => a + statSync(join(layout, 'blobs', 'sha256', n)).size, 0);
console.log(`image: ${layout} (3 layers, ${(size / 1024 / 1024).toFixed(0)} MiB compressed); truth: ${truth.size} packages`);
const floor = await floorSeconds(layout);
console.log(`decompress floor:   ${floor.toFixed(2)} s`);
const cn = timed(process.execPath, [join(repoRoot, 'bin', 'crowsnest.js'), 'sbom', `oci:${layout}:bench`, '--format', 'json'], true);
console.log(`crowsnest sbom:     ${cn.seconds.toFixed(2)} s, peak RSS ${cn.rssMiB?.toFixed(0) ?? '?'} MiB${cn.ok ? '' : ' (FAILED)'} — ${(cn.seconds / floor).toFixed(2)}x floor`);
const crowsnestFound = found(cn.ok ? (JSON.parse(cn.stdout) as { packages: { purl: string }[] }).packages.map((p) => p.purl) : []);
const syft = findSyft();
let syftFound: Set<string> | undefined;
if (syft) {
  const s = timed(syft, ['scan', `oci-dir:${layout}`, '-o', 'syft-json', '-q'], true);
  console.log(`syft:               ${s.seconds.toFixed(2)} s, peak RSS ${s.rssMiB?.toFixed(0) ?? '?'} MiB${s.ok ? '' : ' (FAILED)'} — crowsnest/syft ${(cn.seconds / s.seconds).toFixed(2)}`);
  syftFound = found(s.ok ? (JSON.parse(s.stdout) as { artifacts: { purl?: string }[] }).artifacts.map((a) => a.purl ?? '') : []);
} else {
  console.log('syft:               not installed (go install github.com/anchore/syft/cmd/syft@v1.18.1)');
}
compare('crowsnest', crowsnestFound, truth);
if (syftFound) compare('syft', syftFound, truth);
