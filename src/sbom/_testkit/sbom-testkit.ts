/**
 * Test support for the SBOM renderers: validators built from the OFFICIAL JSON schemas (CycloneDX 1.6
 * as bundled by @cyclonedx/cyclonedx-library; SPDX 2.3 as shipped in the org.spdx:tools-java jar on
 * Maven Central, fetched once into a cache dir), and a sample ImageSbom with awkward packages.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type AnySchemaObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { toolsBinDir } from '../../../test/helpers/tools.js';
import { makePurl } from '../../analysis/catalogers/_lang-package.js';
import { readZipEntries } from '../../analysis/catalogers/_lang-zip.js';
import { digestOf } from '../../core/digest.js';
import type { Package, PackageType } from '../../model/package.js';
import type { ImageSbom } from '../../model/sbom.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? addFormatsModule) as FormatsPlugin;

const require = createRequire(import.meta.url);

export interface SchemaValidator {
  /** Error lines (instancePath + message), empty when the document is valid. */
  (doc: unknown): string[];
}

function wrap(validate: ValidateFunction): SchemaValidator {
  return (doc) => {
    if (validate(doc)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  };
}

async function readJson(path: string): Promise<AnySchemaObject> {
  return JSON.parse(await readFile(path, 'utf8')) as AnySchemaObject;
}

/** bom-1.6 + the spdx licence-id and JSF schemas it references, from the library's `res/schema`. */
export async function cycloneDxValidator(): Promise<SchemaValidator> {
  const dir = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res', 'schema');
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Formats the CycloneDX schema uses that ajv-formats does not define: check what can be checked.
  ajv.addFormat('iri-reference', (s: string) => !/\s/.test(s) && URL.canParse(s, 'http://base.invalid/'));
  ajv.addFormat('idn-email', /^[^\s@]+@[^\s@]+$/u);
  // The library's copy of bom-1.6 refers to its siblings by their SNAPSHOT file names, resolved
  // against the bom schema's $id; register the siblings under exactly those URIs.
  for (const file of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) {
    ajv.addSchema({ ...(await readJson(join(dir, file))), $id: `http://cyclonedx.org/schema/${file}` });
  }
  return wrap(ajv.compile(await readJson(join(dir, 'bom-1.6.SNAPSHOT.schema.json'))));
}

// The SPDX project publishes the 2.3 schema in its spec repository and in the tools-java jar; the jar
// is the one available from a package registry. Both hashes are pinned so a changed artifact fails.
const SPDX_JAR_URL = 'https://repo1.maven.org/maven2/org/spdx/tools-java/2.0.1/tools-java-2.0.1.jar';
const SPDX_JAR_SHA256 = '732a266e47cafdd39d6bff4d198fd001cf31e9f0d97dce5086afbcc1dd5871de';
const SPDX_SCHEMA_ENTRY = 'resources/spdx-schema-v2.3.json';
const SPDX_SCHEMA_SHA256 = '84ee72e4f0f12cbc119847b65be560726637bc22c6178838033275dbad5b8a22';
/** Same cache root as scripts/install-test-deps.sh, which pre-fetches the file for offline CI. */
export const schemaCacheDir = join(dirname(toolsBinDir), 'schemas');
const spdxSchemaPath = join(schemaCacheDir, 'spdx-schema-v2.3.json');

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function cachedSpdxSchema(): Promise<Uint8Array | undefined> {
  try {
    const bytes = await readFile(spdxSchemaPath);
    return sha256(bytes) === SPDX_SCHEMA_SHA256 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

async function downloadSpdxSchema(): Promise<Uint8Array> {
  const res = await fetch(SPDX_JAR_URL, { signal: AbortSignal.timeout(60_000) });
  if (!res.ok) throw new Error(`GET ${SPDX_JAR_URL}: HTTP ${res.status}`);
  const jar = new Uint8Array(await res.arrayBuffer());
  if (sha256(jar) !== SPDX_JAR_SHA256) throw new Error(`${SPDX_JAR_URL}: sha256 mismatch`);
  const entries = await readZipEntries(jar, (name) => name === SPDX_SCHEMA_ENTRY);
  const schema = entries.get(SPDX_SCHEMA_ENTRY);
  if (!schema || sha256(schema) !== SPDX_SCHEMA_SHA256) throw new Error(`${SPDX_SCHEMA_ENTRY} missing or changed in the jar`);
  await mkdir(schemaCacheDir, { recursive: true });
  const tmp = `${spdxSchemaPath}.${process.pid}.tmp`;
  await writeFile(tmp, schema);
  await rename(tmp, spdxSchemaPath);
  return schema;
}

/**
 * The SPDX 2.3 validator, or undefined (with a warning) when the schema is neither cached nor
 * downloadable. CI sets CROWSNEST_REQUIRE_TOOLS=1, where a missing schema is an error instead.
 */
export async function spdxValidator(): Promise<SchemaValidator | undefined> {
  let bytes = await cachedSpdxSchema();
  if (!bytes) {
    try {
      bytes = await downloadSpdxSchema();
    } catch (err) {
      if (process.env.CROWSNEST_REQUIRE_TOOLS === '1') throw err;
      // eslint-disable-next-line no-console -- test-only module: the skip reason must reach the test output
      console.warn(`skipping SPDX schema validation: cannot fetch the SPDX 2.3 schema (${String(err)}); run scripts/install-test-deps.sh`);
      return undefined;
    }
  }
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  return wrap(ajv.compile(JSON.parse(Buffer.from(bytes).toString('utf8')) as AnySchemaObject));
}

const layer0 = digestOf('layer-0');
const layer1 = digestOf('layer-1');

function pkg(type: PackageType, name: string, version: string, purl: string, licenses: string[], path: string, layer: 0 | 1 | undefined, extra: Partial<Package> = {}): Package {
  const loc = layer === undefined ? { path } : { path, layerDigest: layer === 0 ? layer0 : layer1, layerIndex: layer, createdBy: layer === 0 ? '/bin/sh -c #(nop) ADD file:abc in /' : 'RUN npm ci' };
  return { name, version, type, purl, licenses, locations: [loc], foundBy: `${type}-cataloger`, ...extra };
}

/** One package of every PackageType plus awkward names, duplicate purls and every kind of licence. */
export function samplePackages(): Package[] {
  const lodash = makePurl('npm', undefined, 'lodash', '4.17.21');
  return [
    pkg('deb', 'libc6', '2.36-9+deb12u4', makePurl('deb', 'debian', 'libc6', '2.36-9+deb12u4', { arch: 'amd64', distro: 'debian-12' }), ['GPL-2.0-or-later', 'LGPL-2.1', 'public-domain'], '/var/lib/dpkg/status', 0, { source: { name: 'glibc', version: '2.36-9+deb12u4' }, ecosystem: 'Debian:12' }),
    pkg('apk', 'musl', '1.2.4-r2', makePurl('apk', 'alpine', 'musl', '1.2.4-r2', { arch: 'x86_64' }), ['MIT'], '/lib/apk/db/installed', 0),
    pkg('rpm', 'bash', '5.1.8-9.el9', makePurl('rpm', 'redhat', 'bash', '5.1.8-9.el9'), ['GPLv3+'], '/var/lib/rpm/rpmdb.sqlite', 0),
    pkg('alpm', 'pacman', '6.0.2-9', makePurl('alpm', 'arch', 'pacman', '6.0.2-9'), ['GPL-2.0-or-later'], '/var/lib/pacman/local/pacman-6.0.2-9/desc', 0),
    pkg('npm', '@a/b', '1.0.0', makePurl('npm', '@a', 'b', '1.0.0'), ['(MIT OR Apache-2.0)'], '/app/node_modules/@a/b/package.json', 1),
    pkg('npm', 'lodash', '4.17.21', lodash, ['MIT'], '/app/node_modules/lodash/package.json', 1),
    pkg('npm', 'lodash', '4.17.21', lodash, ['MIT'], '/usr/lib/node_modules/npm/node_modules/lodash/package.json', 0),
    pkg('pypi', 'zope.interface', '6.1', makePurl('pypi', undefined, 'zope-interface', '6.1'), ['ZPL 2.1'], '/usr/lib/python3/dist-packages/zope.interface-6.1.dist-info/METADATA', 1),
    pkg('maven', 'org.apache.logging.log4j:log4j-core', '2.17.1', makePurl('maven', 'org.apache.logging.log4j', 'log4j-core', '2.17.1'), ['Apache-2.0'], '/app/lib/log4j-core-2.17.1.jar', 1),
    pkg('golang', 'github.com/spf13/cobra', 'v1.8.0', makePurl('golang', 'github.com/spf13', 'cobra', 'v1.8.0'), ['Apache-2.0 WITH LLVM-exception'], '/usr/local/bin/app', 1),
    pkg('composer', 'symfony/console', 'v6.4.1', makePurl('composer', 'symfony', 'console', 'v6.4.1'), ['MIT', 'LicenseRef-acme-eula'], '/app/vendor/composer/installed.json', 1),
    pkg('gem', 'naïve gem ✓', '1.0.0', makePurl('gem', undefined, 'naïve gem ✓', '1.0.0'), ['Ruby', 'Some Custom License'], '/usr/lib/ruby/gems/3.1.0/specifications/naive.gemspec', 1),
    pkg('nuget', 'Newtonsoft.Json', '13.0.3', makePurl('nuget', undefined, 'Newtonsoft.Json', '13.0.3'), ['mit'], '/app/app.deps.json', 1),
    pkg('cargo', 'serde', '1.0.193', makePurl('cargo', undefined, 'serde', '1.0.193'), ['MIT OR Apache-2.0', 'Unicode-DFS-2016'], '/usr/local/bin/rust-app', undefined),
    pkg('github', 'actions/checkout', 'v4', makePurl('github', 'actions', 'checkout', 'v4'), [], '/repo/.github/workflows/ci.yml', undefined),
    pkg('pypi', 'my package', '', makePurl('pypi', undefined, 'my package', undefined), ['BSD License', 'BSD License'], '/opt/site-packages/my_package.egg-info/PKG-INFO', 1),
  ];
}

export function sampleSbom(withDistro = true): ImageSbom {
  return {
    image: {
      digest: digestOf('manifest'),
      repository: 'team/app',
      tag: 'v1.2',
      platform: { os: 'linux', architecture: 'amd64' },
      configDigest: digestOf('config'),
      layers: [
        { digest: layer0, index: 0, size: 100, createdBy: '/bin/sh -c #(nop) ADD file:abc in /' },
        { digest: layer1, index: 1, size: 50, createdBy: 'RUN npm ci' },
      ],
    },
    ...(withDistro ? { distro: { id: 'debian', versionId: '12', versionCodename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)', cpeName: 'cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*', ecosystem: 'Debian:12' } } : {}),
    packages: samplePackages(),
    analyzedAt: '2026-11-23T02:30:45.123Z',
    tool: { name: 'crowsnest', version: '0.1.0' },
  };
}
