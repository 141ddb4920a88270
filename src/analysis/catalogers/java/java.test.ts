/** Scores the Java archive cataloger against the shared (real) jar/war fixtures. */
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../../../test/helpers/shared.js';
import { fsFromMap, runCatalogers, scoreFixtures, summarize } from '../_lang-testkit.js';
import { javaCataloger } from './java.js';

describe.skipIf(!hasShared('fixtures', 'java'))('java fixtures', () => {
  it('reaches 98% recall and precision of (name, version)', async () => {
    // The heuristic fixture's note: its groupId came from a Maven Central search, not derivable offline,
    // so a package whose groupId we could not know matches on artifactId and version.
    const scores = await scoreFixtures(sharedPath('fixtures', 'java'), [javaCataloger], {
      alsoMatches: (got, want) => !got.name.includes(':') && want.name.endsWith(`:${got.name}`) && got.version === want.version,
    });
    const s = summarize('java', scores);
    console.log(s.table);
    expect(s.recall).toBeGreaterThanOrEqual(0.98);
    expect(s.precision).toBeGreaterThanOrEqual(0.98);
  });

  it('gives maven purls and marks nested and manifest-only evidence', async () => {
    const { readFileSync } = await import('node:fs');
    const fs = fsFromMap({ '/app/nested.jar': readFileSync(sharedPath('fixtures', 'java', 'trivy-nested', 'nested.jar')) });
    const pkgs = await runCatalogers(fs, [javaCataloger]);
    const n3 = pkgs.find((p) => p.name === 'test:nested3');
    expect(n3?.purl).toBe('pkg:maven/test/nested3@0.0.3');
    expect(n3?.locations[0]?.path).toBe('/app/nested.jar');
    expect(String(n3?.metadata?.archive)).toMatch(/nested2\.jar!\/.*nested3\.jar$/);
    expect(n3?.metadata?.confidence).toBe('high');
  });
});

describe.skipIf(!hasShared('fixtures', 'java', 'trivy-heuristic-1.0.0-SNAPSHOT'))('jars in a Maven repository layout', () => {
  it('takes groupId, artifactId and version from the path when the jar has no pom.properties', async () => {
    const { readFileSync } = await import('node:fs');
    const jar = readFileSync(sharedPath('fixtures', 'java', 'trivy-heuristic-1.0.0-SNAPSHOT', 'heuristic-1.0.0-SNAPSHOT.jar'));
    const pkgs = await runCatalogers(
      fsFromMap({
        '/root/.m2/repository/com/example/heuristic/1.0.0-SNAPSHOT/heuristic-1.0.0-SNAPSHOT.jar': jar,
        '/opt/app/lib/heuristic-1.0.0-SNAPSHOT.jar': jar,
      }),
      [javaCataloger],
    );
    const fromLayout = pkgs.find((p) => p.locations.some((l) => l.path.startsWith('/root/.m2/')));
    expect(fromLayout).toMatchObject({ name: 'com.example:heuristic', version: '1.0.0-SNAPSHOT', purl: 'pkg:maven/com.example/heuristic@1.0.0-SNAPSHOT' });
    expect(fromLayout?.metadata?.confidence).toBe('high');
    // Elsewhere the same jar says nothing of its group.
    const loose = pkgs.find((p) => p.locations.some((l) => l.path.startsWith('/opt/')));
    expect(loose).toMatchObject({ name: 'heuristic', version: '1.0.0-SNAPSHOT' });
    expect(loose?.metadata?.groupIdUnknown).toBe(true);
  });
});

describe('java malformed input', () => {
  it('reports a broken archive as an issue', async () => {
    const res = await javaCataloger.catalog((await import('../_lang-testkit.js')).ctxFor(fsFromMap({ '/x.jar': 'not a zip' })));
    expect(res.packages).toHaveLength(0);
    expect(res.issues?.[0]?.message).toMatch(/unreadable archive/);
  });
});
