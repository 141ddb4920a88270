/**
 * Go cataloger tests: go.mod fixtures from ../shared, and real binaries built at test time with the
 * installed Go toolchain (plain, -trimpath, stripped) depending on a pinned module from the Go proxy.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../../test/helpers/shared.js';
import { findTool, hasTools } from '../../../../test/helpers/tools.js';
import { fsFromMap, runCatalogers, scoreFixtures, summarize } from '../_lang-testkit.js';
import { golangCataloger } from './golang.js';
import { parseModInfo, readGoBuildInfo } from './buildinfo.js';

describe.skipIf(!hasShared('fixtures', 'go'))('go fixtures', () => {
  it('reaches 98% recall and precision of (name, version)', async () => {
    const s = summarize('go', await scoreFixtures(sharedPath('fixtures', 'go'), [golangCataloger]));
    console.log(s.table);
    expect(s.recall).toBeGreaterThanOrEqual(0.98);
    expect(s.precision).toBeGreaterThanOrEqual(0.98);
  });
});

describe('go modinfo parsing', () => {
  it('applies replacements and strips sentinels', () => {
    const body = 'path\texample.com/app\nmod\texample.com/app\t(devel)\t\ndep\tgithub.com/a/b\tv1.0.0\th1:x=\n=>\tgithub.com/c/d\tv1.2.0\th1:y=\nbuild\tCGO_ENABLED=0\n';
    const info = parseModInfo('go1.22.5 X:nocoverageredesign', `${'0'.repeat(16)}${body}${'1'.repeat(16)}`);
    expect(info.goVersion).toBe('go1.22.5');
    expect(info.deps[0]?.replace?.path).toBe('github.com/c/d');
    expect(info.settings.CGO_ENABLED).toBe('0');
  });
  it('returns undefined for bytes without build info', () => {
    expect(readGoBuildInfo(new Uint8Array(4096))).toBeUndefined();
  });
});

describe.skipIf(!hasTools('go'))('real Go binaries', () => {
  let dir = '';
  const bins: Record<string, Uint8Array> = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'crowsnest-go-'));
    writeFileSync(join(dir, 'go.mod'), 'module example.com/crowsnest/gotest\n\ngo 1.21\n\nrequire github.com/google/uuid v1.6.0\n');
    writeFileSync(join(dir, 'main.go'), 'package main\n\nimport (\n\t"fmt"\n\n\t"github.com/google/uuid"\n)\n\nfunc main() { fmt.Println(uuid.NewString()) }\n');
    const go = findTool('go') ?? 'go';
    const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' };
    execFileSync(go, ['mod', 'tidy'], { cwd: dir, env, timeout: 120_000 });
    const variants: Record<string, string[]> = { plain: [], trimpath: ['-trimpath'], stripped: ['-ldflags=-s -w'] };
    for (const [name, flags] of Object.entries(variants)) {
      execFileSync(go, ['build', ...flags, '-o', join(dir, name), '.'], { cwd: dir, env, timeout: 180_000 });
      bins[name] = readFileSync(join(dir, name));
    }
  }, 400_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(['plain', 'trimpath', 'stripped'])('finds uuid, the main module and stdlib in the %s binary', async (name) => {
    const bytes = bins[name];
    expect(bytes).toBeDefined();
    const fs = fsFromMap({ [`/usr/local/bin/${name}`]: bytes ?? new Uint8Array() }, 0o755);
    const pkgs = await runCatalogers(fs, [golangCataloger]);
    const goVersion = execFileSync(findTool('go') ?? 'go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
    const uuid = pkgs.find((p) => p.name === 'github.com/google/uuid');
    expect(uuid?.version).toBe('v1.6.0');
    expect(uuid?.purl).toBe('pkg:golang/github.com/google/uuid@v1.6.0');
    expect(uuid?.metadata?.sum).toMatch(/^h1:/);
    expect(pkgs.find((p) => p.metadata?.mainModule === true)?.name).toBe('example.com/crowsnest/gotest');
    const std = pkgs.find((p) => p.name === 'stdlib');
    expect(std?.purl).toBe(`pkg:golang/stdlib@${goVersion.replace(/^go/, 'v').split(' ')[0]}`);
    expect(std?.ecosystem).toBe('Go');
  });
});

/** An ELF64 file with one PT_LOAD segment and a pre-1.18 build info header (pointers to Go string headers). */
function elfWithPointerBuildInfo(version: string, modinfo: string): Uint8Array {
  const base = 0x400000n;
  const v = Buffer.from(version);
  const m = Buffer.from(modinfo);
  const size = 192 + v.length + m.length;
  const buf = Buffer.alloc(size);
  buf.write('\x7fELF', 0, 'latin1');
  buf[4] = 2;
  buf[5] = 1;
  buf.writeBigUInt64LE(64n, 0x20);
  buf.writeUInt16LE(56, 0x36);
  buf.writeUInt16LE(1, 0x38);
  buf.writeUInt32LE(1, 64); // PT_LOAD
  buf.writeBigUInt64LE(0n, 64 + 8);
  buf.writeBigUInt64LE(base, 64 + 16);
  buf.writeBigUInt64LE(BigInt(size), 64 + 32);
  buf.write('\xff Go buildinf:', 128, 'latin1');
  buf[128 + 14] = 8;
  buf[128 + 15] = 0;
  buf.writeBigUInt64LE(base + 160n, 128 + 16);
  buf.writeBigUInt64LE(base + 176n, 128 + 24);
  buf.writeBigUInt64LE(base + 192n, 160);
  buf.writeBigUInt64LE(BigInt(v.length), 168);
  buf.writeBigUInt64LE(base + 192n + BigInt(v.length), 176);
  buf.writeBigUInt64LE(BigInt(m.length), 184);
  v.copy(buf, 192);
  m.copy(buf, 192 + v.length);
  return new Uint8Array(buf);
}

describe('pre-1.18 pointer-format build info', () => {
  it('follows the pointers through the ELF load segments', () => {
    const sentinel = 'x'.repeat(16);
    const info = readGoBuildInfo(elfWithPointerBuildInfo('go1.16.15', `${sentinel}path\tex.com/a\nmod\tex.com/a\tv1.0.0\t\ndep\tgithub.com/pkg/errors\tv0.9.1\th1:z=\n${sentinel}`));
    expect(info?.goVersion).toBe('go1.16.15');
    expect(info?.main?.path).toBe('ex.com/a');
    expect(info?.deps).toEqual([{ path: 'github.com/pkg/errors', version: 'v0.9.1', sum: 'h1:z=' }]);
  });
});
