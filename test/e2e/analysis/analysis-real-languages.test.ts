/**
 * Real language inputs built at test time with the real toolchains — an `npm install` of pinned old
 * versions, a `pip install --target` wheel, a Go program built for Linux (ELF), Windows (PE) and macOS
 * (Mach-O), a jar from Maven Central on its own and nested Spring Boot style, a `cargo auditable build`
 * binary — pushed as one image (a layer each, with its Dockerfile step) with skopeo to a real server,
 * analyzed, and read back through the SBOM API: every package with its purl, layer and step.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerSpecOf, waitForAnalysis } from '../../helpers/analysis.js';
import { canRunE2E, run } from '../../helpers/e2e.js';
import { buildImage, buildLayer, writeOciLayout, type LayerSpec } from '../../helpers/image-builder.js';
import { adminFetch, startRegistry, type RegistryProcess } from '../../helpers/registry-process.js';
import { findTool, hasTools, toolsBinDir } from '../../helpers/tools.js';

const TOOLS = ['npm', 'pip3', 'go', 'jar', 'cargo', 'cargo-auditable'] as const;
const enabled = canRunE2E('skopeo') && hasTools(...TOOLS);
const COMMONS_TEXT = 'https://repo1.maven.org/maven2/org/apache/commons/commons-text/1.9/commons-text-1.9.jar';
const BUILD_TIMEOUT = 300_000;

interface SbomPackage {
  name: string;
  version: string;
  type: string;
  purl: string;
  locations: { path: string; layerIndex?: number; createdBy?: string }[];
}

function tool(name: (typeof TOOLS)[number]): string {
  return findTool(name) as string;
}

function exec(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: BUILD_TIMEOUT, stdio: ['ignore', 'pipe', 'pipe'] });
}

function fileEntry(path: string, mode = 0o755): LayerSpec[string] {
  return { type: 'file', content: readFileSync(path), mode };
}

describe.skipIf(!enabled)('real language inputs end to end (npm, pip, go, Maven Central, cargo-auditable)', () => {
  let reg: RegistryProcess;
  let work: string;
  let goVersion = '';
  const steps = [
    'RUN npm install minimist@1.2.5 ms@2.0.0',
    'RUN pip install --target /usr/local/lib/python3.11/site-packages urllib3==1.26.4',
    'COPY --from=go-build /out/ /usr/local/bin/',
    'ADD commons-text-1.9.jar app.jar /opt/java/',
    'COPY --from=rust-build /out/rust-app /usr/local/bin/',
  ];
  const layers: LayerSpec[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'e2e-real-langs-'));

    const node = join(work, 'node');
    mkdirSync(node);
    writeFileSync(join(node, 'package.json'), JSON.stringify({ name: 'crowsnest-e2e-app', version: '1.0.0', private: true }));
    exec(tool('npm'), ['install', '--no-audit', '--no-fund', '--ignore-scripts', 'minimist@1.2.5', 'ms@2.0.0'], node);
    layers.push(layerSpecOf(node, 'app'));

    const site = join(work, 'site-packages');
    exec(tool('pip3'), ['install', '--quiet', '--no-deps', '--disable-pip-version-check', '--target', site, 'urllib3==1.26.4'], work);
    layers.push(layerSpecOf(site, 'usr/local/lib/python3.11/site-packages'));

    const gomod = join(work, 'gomod');
    mkdirSync(gomod);
    writeFileSync(join(gomod, 'go.mod'), 'module example.com/crowsnest/e2e\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.7\n');
    writeFileSync(
      join(gomod, 'main.go'),
      'package main\n\nimport (\n\t"fmt"\n\n\t"golang.org/x/text/language"\n)\n\nfunc main() { fmt.Println(language.English) }\n',
    );
    const goEnv = { CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
    exec(tool('go'), ['mod', 'download', 'golang.org/x/text'], gomod, goEnv);
    goVersion = exec(tool('go'), ['env', 'GOVERSION'], gomod).trim();
    const goLayer: LayerSpec = {};
    for (const [goos, goarch, out] of [
      ['linux', 'amd64', 'go-app'],
      ['windows', 'amd64', 'go-app.exe'],
      ['darwin', 'arm64', 'go-app-darwin'],
    ] as const) {
      exec(tool('go'), ['build', '-trimpath', '-o', join(work, out), '.'], gomod, { ...goEnv, GOOS: goos, GOARCH: goarch });
      goLayer[`usr/local/bin/${out}`] = fileEntry(join(work, out), goos === 'windows' ? 0o644 : 0o755);
    }
    layers.push(goLayer);

    const jarPath = join(work, 'commons-text-1.9.jar');
    const res = await fetch(COMMONS_TEXT, { signal: AbortSignal.timeout(120_000) });
    if (!res.ok) throw new Error(`Maven Central answered ${res.status} for ${COMMONS_TEXT}`);
    writeFileSync(jarPath, Buffer.from(await res.arrayBuffer()));
    const fat = join(work, 'fat');
    mkdirSync(join(fat, 'BOOT-INF', 'lib'), { recursive: true });
    copyFileSync(jarPath, join(fat, 'BOOT-INF', 'lib', 'commons-text-1.9.jar'));
    exec(tool('jar'), ['--create', '--file', join(work, 'app.jar'), '-C', fat, '.'], work);
    layers.push({ 'opt/java/commons-text-1.9.jar': fileEntry(jarPath, 0o644), 'opt/java/app.jar': fileEntry(join(work, 'app.jar'), 0o644) });

    const crate = join(work, 'rust-app');
    mkdirSync(join(crate, 'src'), { recursive: true });
    writeFileSync(join(crate, 'Cargo.toml'), '[package]\nname = "rust-app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nsmallvec = "=1.6.0"\n');
    writeFileSync(join(crate, 'src', 'main.rs'), 'fn main() { let v: smallvec::SmallVec<[u8; 4]> = smallvec::smallvec![1, 2]; println!("{}", v.len()); }\n');
    // `cargo auditable` finds its subcommand binary on PATH.
    exec(tool('cargo'), ['auditable', 'build', '--release', '--quiet'], crate, { PATH: [toolsBinDir, process.env.PATH ?? ''].join(delimiter), CARGO_TARGET_DIR: join(work, 'target') });
    layers.push({ 'usr/local/bin/rust-app': fileEntry(join(work, 'target', 'release', 'rust-app')) });

    reg = await startRegistry({ env: { CROWSNEST_LOG_LEVEL: 'warn' } });
  }, BUILD_TIMEOUT * 2);

  afterAll(async () => {
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('catalogs every real input through the API with its purl, layer and Dockerfile step', async () => {
    const put = await adminFetch(`${reg.url}/api/v1/repositories/e2e/real-langs/settings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ analysis: 'basic' }),
    });
    expect(put.status).toBe(200);
    const image = buildImage({ layers: await Promise.all(layers.map((l) => buildLayer(l))), history: steps.map((created_by) => ({ created_by })) });
    const layout = join(work, 'layout');
    writeOciLayout(layout, image.manifest, [image.config, ...image.layers], 'v1');
    await run('skopeo', ['copy', '--dest-tls-verify=false', '--preserve-digests', `oci:${layout}:v1`, `docker://${reg.host}/e2e/real-langs:v1`]);
    expect((await waitForAnalysis(reg.url, 'e2e/real-langs', 'v1', 120_000)).status, reg.output()).toBe('done');

    const res = await adminFetch(`${reg.url}/api/v1/repositories/e2e/real-langs/tags/v1/sbom?format=json`);
    expect(res.status).toBe(200);
    const packages = ((await res.json()) as { packages: SbomPackage[] }).packages;
    const at = (purl: string, pathPrefix: string) => {
      const p = packages.find((x) => x.purl === purl && x.locations.some((l) => l.path.startsWith(pathPrefix)));
      return p?.locations.find((l) => l.path.startsWith(pathPrefix));
    };
    const expectAt = (purl: string, pathPrefix: string, layer: number) => {
      expect(at(purl, pathPrefix), `${purl} under ${pathPrefix}; found ${packages.map((p) => p.purl).join(', ')}`).toMatchObject({
        layerIndex: layer,
        createdBy: steps[layer],
      });
    };

    expectAt('pkg:npm/minimist@1.2.5', '/app/', 0);
    expectAt('pkg:npm/ms@2.0.0', '/app/', 0);
    expectAt('pkg:pypi/urllib3@1.26.4', '/usr/local/lib/python3.11/site-packages/', 1);
    for (const bin of ['go-app', 'go-app.exe', 'go-app-darwin']) {
      expectAt('pkg:golang/golang.org/x/text@v0.3.7', `/usr/local/bin/${bin}`, 2);
      expectAt(`pkg:golang/stdlib@${goVersion.replace(/^go/, 'v')}`, `/usr/local/bin/${bin}`, 2);
    }
    expectAt('pkg:maven/org.apache.commons/commons-text@1.9', '/opt/java/commons-text-1.9.jar', 3);
    expectAt('pkg:maven/org.apache.commons/commons-text@1.9', '/opt/java/app.jar', 3);
    expectAt('pkg:cargo/smallvec@1.6.0', '/usr/local/bin/rust-app', 4);
    expectAt('pkg:cargo/rust-app@0.1.0', '/usr/local/bin/rust-app', 4);
  });
});
