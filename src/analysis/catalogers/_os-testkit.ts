/**
 * Test support for the OS package catalogers: runs one over a shared fixture folder (with the
 * distro detected from the folder, as the engine does) and checks it against the fixture's
 * expected.json — names, versions, sources, arch, purls, dependency graph, completeness.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PackageURL } from 'packageurl-js';
import { expect } from 'vitest';
import type { CatalogContext, CatalogResult, Cataloger, ImageFs } from '../cataloger.js';
import type { Distro } from '../../model/distro.js';
import type { Package } from '../../model/package.js';
import { detectDistro } from '../os/detect-distro.js';
import { fsFromDir } from './_lang-testkit.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };

export function runOsCataloger(cataloger: Cataloger, fs: ImageFs, distro?: Distro): Promise<CatalogResult> {
  const ctx = { fs, distro, env: {}, log: silent, signal: new AbortController().signal } as unknown as CatalogContext;
  return cataloger.catalog(ctx);
}

interface ExpectedPackage {
  name: string;
  version: string;
  purl?: string;
  source?: string;
  origin?: string;
  source_name?: string;
  arch?: string;
}

interface ExpectedFixture {
  complete: boolean;
  expect_error?: boolean;
  packages: ExpectedPackage[];
  dependencies?: Record<string, string[]>;
  relationships_dependency_of?: { from: string; to: string }[];
}

export function fixtureDirs(root: string): string[] {
  return readdirSync(root).sort();
}

/**
 * Same package coordinates, and every qualifier the peer states is present with the same value —
 * except `distro`, which peers derive from an os-release that is not part of some fixtures.
 * Extra qualifiers of ours (e.g. `upstream`, which syft also writes) are allowed.
 */
function expectPurlCovers(got: string | undefined, want: string): void {
  expect(got).toBeDefined();
  const a = PackageURL.fromString(got ?? '');
  const b = PackageURL.fromString(want);
  expect([a.type, a.namespace, a.name, a.version]).toEqual([b.type, b.namespace, b.name, b.version]);
  for (const [key, value] of Object.entries(b.qualifiers ?? {})) {
    if (key !== 'distro') expect(a.qualifiers?.[key], `qualifier ${key} of ${want}`).toBe(value);
  }
}

export async function checkFixture(cataloger: Cataloger, dir: string, excluded: readonly string[] = []): Promise<readonly Package[]> {
  const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as ExpectedFixture;
  const fs = fsFromDir(dir);
  const { packages, issues } = await runOsCataloger(cataloger, fs, await detectDistro(fs));
  if (expected.expect_error) expect(issues?.length ?? 0, 'a corrupt input is reported').toBeGreaterThan(0);
  const byName = new Map(packages.map((p) => [p.name, p]));
  const wanted = expected.packages.filter((p) => !excluded.includes(p.name));
  for (const e of wanted) {
    const got = byName.get(e.name);
    expect(got, `${e.name} missing`).toBeDefined();
    expect(got?.version).toBe(e.version);
    const source = e.source ?? e.origin ?? e.source_name;
    if (source !== undefined) expect(got?.source?.name).toBe(source);
    if (e.arch !== undefined) expect(got?.metadata?.arch).toBe(e.arch);
    if (e.purl !== undefined) expectPurlCovers(got?.purl, e.purl);
  }
  if (expected.complete) expect(packages.map((p) => p.name).sort()).toEqual(wanted.map((p) => p.name).sort());
  for (const [pkg, deps] of Object.entries(expected.dependencies ?? {})) {
    expect(byName.get(pkg)?.metadata?.dependsOn ?? [], `dependencies of ${pkg}`).toEqual([...deps].sort());
  }
  for (const { from, to } of expected.relationships_dependency_of ?? []) {
    expect(byName.get(to)?.metadata?.dependsOn ?? [], `${from} is a dependency of ${to}`).toContain(from);
  }
  return packages;
}
