/** Scores the dotnet cataloger against the shared dotnet fixtures (read in place). */
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../../test/helpers/shared.js';
import { type Expected, fsFromMap, runCatalogers, scoreFixtures, summarize } from '../_lang-testkit.js';
import type { Package } from '../../../model/package.js';
import { dotnetCataloger } from './dotnet.js';

describe.skipIf(!hasShared('fixtures', 'dotnet'))('dotnet fixtures', () => {
  it('reaches 98% recall and precision of (name, version)', async () => {
    // Dev-only entries count only where the peer's expectation lists dev entries itself.
    // trivy leaves out libraries without runtime assets (its fixture notes say so); we keep them, flagged.
    const counts = (p: Package, exp: Expected): boolean =>
      (p.metadata?.dev !== true || exp.packages.some((e) => e.dev === true)) &&
      (exp.source?.repo !== 'aquasecurity/trivy' || p.metadata?.noRuntimeAssets !== true);
    const s = summarize('dotnet', await scoreFixtures(sharedPath('fixtures', 'dotnet'), [dotnetCataloger], { counts }));
    console.log(s.table);
    expect(s.recall).toBeGreaterThanOrEqual(0.98);
    expect(s.precision).toBeGreaterThanOrEqual(0.98);
  });
});

describe('.NET runtime and packages.config', () => {
  it('reports the shared framework folder as the runtime and reads packages.config', async () => {
    const fs = fsFromMap({
      '/usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.1/Microsoft.NETCore.App.deps.json': '{"libraries":{"x/1.0.0":{"type":"project"}}}',
      '/app/packages.config': '<?xml version="1.0"?><packages><package id="NUnit" version="3.13.2" targetFramework="net48" /></packages>',
    });
    const pkgs = await runCatalogers(fs, [dotnetCataloger]);
    expect(pkgs.map((p) => p.purl).sort()).toEqual(['pkg:nuget/Microsoft.NETCore.App@8.0.1', 'pkg:nuget/NUnit@3.13.2']);
    expect(pkgs.find((p) => p.name === 'Microsoft.NETCore.App')?.metadata?.runtime).toBe(true);
  });
});
