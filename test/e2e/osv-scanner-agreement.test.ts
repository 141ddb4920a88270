/**
 * Agreement with OSV-Scanner (built from the Go module proxy by scripts/install-test-deps.sh, run
 * offline on the same OSV data): for the language packages of a test image — old, pinned PyPI,
 * crates.io and Go dependencies with known advisories — the (package, advisory) pairs Crowsnest
 * reports and the ones OSV-Scanner reports agree at least 99%. Advisory ids are compared through
 * their alias groups (OSV-Scanner names records, Crowsnest the canonical CVE). Every difference
 * is printed with the reason we know of.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsFromMap } from '../../src/analysis/catalogers/_lang-testkit.js';
import { languageCatalogers } from '../../src/analysis/catalogers/languages.js';
import type { Database } from '../../src/metadata/kysely/schema/index.js';
import type { Package } from '../../src/model/package.js';
import { VulnMatcher } from '../../src/vulndb/match/matcher.js';
import { osvSource } from '../../src/vulndb/sources/osv-source.js';
import { memoryDb } from '../../src/vulndb/test-helpers.js';
import { VulnDb } from '../../src/vulndb/vulndb-store.js';
import { hasShared, sharedPath } from '../helpers/shared.js';
import { findTool, hasTools } from '../helpers/tools.js';

const run = promisify(execFile);

const REQUIREMENTS = ['django==3.0', 'pyyaml==5.3', 'jinja2==2.10', 'requests==2.19.0', 'urllib3==1.24.1', 'flask==0.12', 'pillow==6.0.0', 'cryptography==2.1', 'lxml==4.2.5', 'numpy==1.16.0'].join('\n');

const CRATES: [string, string][] = [
  ['smallvec', '0.6.9'], ['time', '0.1.43'], ['chrono', '0.4.19'], ['hyper', '0.14.10'], ['tokio', '1.8.0'],
  ['regex', '1.5.4'], ['openssl', '0.10.38'], ['rustls', '0.20.0'], ['crossbeam-channel', '0.5.0'], ['serde', '1.0.100'],
];

const GO_MODULES: [string, string][] = [
  ['golang.org/x/net', 'v0.0.0-20190620200207-3b0461eec859'], ['golang.org/x/text', 'v0.3.0'], ['github.com/gin-gonic/gin', 'v1.6.0'],
  ['github.com/dgrijalva/jwt-go', 'v3.2.0+incompatible'], ['golang.org/x/crypto', 'v0.0.0-20200622213623-75b288015ac9'],
  ['github.com/gorilla/websocket', 'v1.4.0'], ['gopkg.in/yaml.v2', 'v2.2.2'], ['github.com/opencontainers/runc', 'v1.0.0-rc9'],
];

function cargoLock(): string {
  const entries = CRATES.map(
    ([name, version]) => `[[package]]\nname = "${name}"\nversion = "${version}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n`,
  );
  return `version = 3\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n\n${entries.join('\n')}`;
}

function goMod(): string {
  return `module example.com/app\n\ngo 1.20\n\nrequire (\n${GO_MODULES.map(([m, v]) => `\t${m} ${v}`).join('\n')}\n)\n`;
}

/**
 * A by-design difference, not a disagreement on the data: OSV-Scanner reads go.mod's `go` directive as
 * the version of the standard library; Crowsnest reports `stdlib` only from a built binary's build info,
 * because the directive is a minimum language version, not the toolchain that built anything.
 */
function isStdlibFromGoDirective(key: string): boolean {
  return key.startsWith('Go|stdlib|') || key.startsWith('Go|toolchain|');
}

interface OsvScannerOutput {
  results?: { packages?: { package: { name: string; version: string; ecosystem: string }; vulnerabilities?: { id: string; aliases?: string[] }[] }[] }[];
}

const ready = hasShared('data', 'osv', 'PyPI') && hasShared('data', 'osv', 'Go') && hasShared('data', 'osv', 'crates.io') && hasTools('osv-scanner', 'zip');

describe.skipIf(!ready)('agreement with OSV-Scanner on language packages', () => {
  let work: string;
  let db: Kysely<Database>;
  let store: VulnDb;
  const ecosystems = ['PyPI', 'Go', 'crates.io'];
  /** Ids (and aliases) of records OSV-Scanner could not be given: findings from them are explained differences. */
  const leftOut = new Set<string>();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'osv-agree-'));
    db = await memoryDb();
    store = new VulnDb(db);
    for (const eco of ecosystems) {
      const dir = sharedPath('data', 'osv', eco);
      await store.import('osv', osvSource.read(dir, { issues: () => undefined }));
      // OSV-Scanner 2.2 panics on an affected entry whose ecosystem it does not know (one GHSA in the Go set
      // names "purl-type:swift"); such records are left out of its copy and listed.
      const files = readdirSync(dir).filter((f) => {
        if (!f.endsWith('.json')) return false;
        const record = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { affected?: { package?: { ecosystem?: string } }[] };
        const foreign = (record.affected ?? []).some((a) => a.package?.ecosystem !== undefined && a.package.ecosystem !== eco);
        if (foreign) {
          console.log(`left out of OSV-Scanner's ${eco} database: ${f} (affected entry in another ecosystem)`);
          const r = record as { id?: string; aliases?: string[] };
          for (const id of [r.id, ...(r.aliases ?? [])]) if (id) leftOut.add(id);
        }
        return !foreign;
      });
      const target = join(work, 'db', 'osv-scanner', eco);
      mkdirSync(target, { recursive: true });
      // osv.dev's layout: <cache>/osv-scanner/<ecosystem>/all.zip, written by Info-ZIP as osv.dev's exporter does.
      await run(findTool('zip') ?? 'zip', ['-q', '-j', join(target, 'all.zip'), ...files.map((f) => join(dir, f))], { maxBuffer: 16 * 1024 * 1024 });
    }
    mkdirSync(join(work, 'src'), { recursive: true });
    writeFileSync(join(work, 'src', 'requirements.txt'), REQUIREMENTS);
    writeFileSync(join(work, 'src', 'Cargo.lock'), cargoLock());
    writeFileSync(join(work, 'src', 'go.mod'), goMod());
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('reports the same (package, advisory) pairs for at least 99% of the union', async () => {
    // Crowsnest: catalog the files as they would sit in an image, then match.
    const fs = fsFromMap({
      '/app/requirements.txt': REQUIREMENTS,
      '/app/Cargo.lock': cargoLock(),
      '/app/go.mod': goMod(),
    });
    const packages: Package[] = [];
    for (const c of languageCatalogers) {
      packages.push(...(await c.catalog({ fs, distro: undefined, env: {}, log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => undefined } as never, signal: new AbortController().signal })).packages);
    }
    const findings = await new VulnMatcher(store).match(packages);
    const ours = new Set(findings.map((f) => `${f.ecosystem.split(':')[0]}|${f.package.name.toLowerCase()}|${f.id}`));

    // OSV-Scanner, offline, on the same files and the same data.
    const bin = findTool('osv-scanner') ?? 'osv-scanner';
    const args = ['scan', '--offline-vulnerabilities', '--format', 'json', ...['requirements.txt', 'Cargo.lock', 'go.mod'].flatMap((f) => ['-L', join(work, 'src', f)])];
    const out = await run(bin, args, { env: { ...process.env, OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY: join(work, 'db') }, maxBuffer: 64 * 1024 * 1024 }).catch(
      // Exit 1 means "vulnerabilities found"; anything else is a failure.
      (err: { code?: number; stdout?: string; stderr?: string }) => {
        if (err.code === 1 && err.stdout) return { stdout: err.stdout, stderr: err.stderr ?? '' };
        throw new Error(`osv-scanner failed (${String(err.code)}): ${(err.stderr ?? '').slice(-1500)}`);
      },
    );
    const report = JSON.parse(out.stdout) as OsvScannerOutput;
    const reportedIds = report.results?.flatMap((r) => r.packages?.flatMap((p) => p.vulnerabilities?.map((v) => v.id) ?? []) ?? []) ?? [];
    const canonical = await store.canonicalIds([...new Set(reportedIds)]);
    const theirs = new Set<string>();
    for (const r of report.results ?? []) {
      for (const p of r.packages ?? []) {
        for (const v of p.vulnerabilities ?? []) {
          theirs.add(`${p.package.ecosystem}|${p.package.name.toLowerCase()}|${canonical.get(v.id) ?? v.id}`);
        }
      }
    }

    const leftOutCanonical = new Set([...leftOut, ...(await store.canonicalIds([...leftOut])).values()]);
    const explain = (key: string): string | undefined => {
      if (isStdlibFromGoDirective(key)) return 'OSV-Scanner takes the Go standard library version from the go.mod `go` directive (by design, see above)';
      if (leftOutCanonical.has(key.split('|')[2] ?? '')) return 'the record was left out of OSV-Scanner\'s database (it panics on its foreign ecosystem)';
      return undefined;
    };
    const stdlib = [...theirs].filter(isStdlibFromGoDirective);
    const comparable = (k: string) => !isStdlibFromGoDirective(k);
    const union = new Set([...ours, ...theirs].filter(comparable));
    const both = [...union].filter((k) => ours.has(k) && theirs.has(k));
    const differences = [
      ...[...ours].filter((k) => !theirs.has(k)).map((k) => ({ key: k, side: 'crowsnest only' })),
      ...[...theirs].filter((k) => !ours.has(k) && comparable(k)).map((k) => ({ key: k, side: 'osv-scanner only' })),
    ];
    const agreement = union.size === 0 ? 1 : both.length / union.size;
    console.log(`OSV-Scanner agreement: ${both.length}/${union.size} pairs = ${(agreement * 100).toFixed(2)}% (crowsnest ${ours.size}, osv-scanner ${theirs.size}; ${stdlib.length} stdlib pairs from the go directive not compared)`);
    for (const d of differences) console.log(`  ${d.side}: ${d.key} — ${explain(d.key) ?? 'UNEXPLAINED'}`);
    expect(differences.filter((d) => explain(d.key) === undefined), 'every difference has a known reason').toEqual([]);

    expect(theirs.size).toBeGreaterThan(30);
    expect(ours.size).toBeGreaterThan(30);
    for (const eco of ecosystems) expect([...both].some((k) => k.startsWith(`${eco}|`)), `agreement in ${eco}`).toBe(true);
    expect(agreement).toBeGreaterThanOrEqual(0.99);
  }, 120_000);
});
