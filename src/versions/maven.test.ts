import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findTool } from '../../test/helpers/tools.js';
import type { Expectation } from './_testkit/ordering.js';
import { describeOrderingProperties, describeOrderingTable, joined } from './_testkit/ordering.js';
import { maven, parseMaven, type MavenItem } from './maven.js';

// ComparableVersion's documented rules and examples from its javadoc and tests.
const TABLE: Expectation[] = [
  ['1-alpha', '<', '1-beta'],
  ['1-beta', '<', '1-milestone'],
  ['1-milestone', '<', '1-rc'],
  ['1-rc', '<', '1-snapshot'],
  ['1-snapshot', '<', '1'],
  ['1', '<', '1-sp'],
  ['1-sp', '<', '1-abc'],
  ['1-abc', '<', '1-abd'],
  ['1-rc', '=', '1-cr'],
  ['1.0', '=', '1'],
  ['1.0.0.ga', '=', '1'],
  ['1-ga', '=', '1-final'],
  ['1-final', '=', '1-release'],
  ['1.0.0', '=', '1-0'],
  ['1-1', '<', '1.1'],
  ['1-sp', '<', '1.1'],
  ['1.0-alpha1', '=', '1.0-a1'],
  ['1.0-beta1', '=', '1.0-b1'],
  ['1.0-milestone1', '=', '1.0-m1'],
  // A lone "a" (not followed by a digit) is an unknown qualifier, not alpha.
  ['1.0-a', '>', '1.0-alpha1'],
  ['1.0-alpha-1', '<', '1.0-alpha-2'],
  ['1.0-alpha-2', '<', '1.0-alpha-10'],
  ['1.0-SNAPSHOT', '=', '1.0-snapshot'],
  ['1.0-SNAPSHOT', '<', '1.0'],
  ['1.0-SNAPSHOT', '>', '1.0-RC1'],
  ['2.0.0.RELEASE', '=', '2.0.0'],
  ['5.3.18', '<', '5.3.20'],
  ['2.12.7.1', '>', '2.12.7'],
  ['2.13.4.2', '<', '2.14.0-rc1'],
  ['1.2.3-jre', '>', '1.2.3'],
  ['31.1-jre', '<', '32.0.0-jre'],
  ['1.0.1', '>', '1.0-sp'],
  ['1.0.RC1', '<', '1.0'],
  ['9.4.48.v20220622', '<', '9.4.49.v20220914'],
  ['1.0-20230101.123456-1', '>', '1.0'],
  ['1..1', '=', '1.0.1'],
  // Maven's order cycles wherever a qualifier meets a sub-list at the same position, since a list
  // beats a string whatever it holds: "1final-beta.0" is [1, [[beta]]], "1.b.0" is [1, b].
  ['1m.0', '>', '1'],
  ['1', '>', '1final-beta.0'],
  ['1final-beta.0', '>', '1m.0'],
  ['1.b.0', '<', '1.alpha'],
  ['1.alpha', '<', '1.0'],
  ['1.0', '<', '1.b.0'],
];

/**
 * Maven's order is transitive only where a qualifier never meets a sub-list at the same position:
 * every string item opens its own sub-list and no sub-list opens with another sub-list.
 */
function mayCycle(item: MavenItem): boolean {
  return item.t === 2 && (item.items[0]?.t === 2 || item.items.some((sub, i) => (sub.t === 1 && i > 0) || mayCycle(sub)));
}

describeOrderingTable(maven, TABLE);

const token = fc.oneof(
  fc.constantFrom('0', '1', '2', '10', '01', 'alpha', 'a', 'b', 'beta', 'm', 'rc', 'cr', 'snapshot', 'SNAPSHOT', 'ga', 'final', 'sp', 'jre', ''),
  fc.nat(12).map(String),
);
const mavenVersion = joined(token, ['.', '-', '']).map((s) => `1${s}`);
describeOrderingProperties(maven, mavenVersion, { transitiveOn: (v) => !mayCycle(parseMaven(v.trim())) });

// Optional cross-check against Maven's own ComparableVersion (maven-artifact jar + java).
const java = findTool('java');
const jar = ['/usr/share/maven/lib/maven-artifact-3.x.jar', process.env.MAVEN_ARTIFACT_JAR ?? ''].find((p) => p !== '' && existsSync(p));
describe.skipIf(java === undefined || jar === undefined)('maven agrees with ComparableVersion (needs java + maven-artifact jar)', () => {
  it('matches Maven on the table and on generated pairs', () => {
    const pairs: [string, string][] = TABLE.map(([a, , b]) => [a, b]);
    fc.sample(fc.tuple(mavenVersion, mavenVersion), { numRuns: 300, seed: 11 }).forEach((p) => pairs.push(p));
    const out = execFileSync(java as string, ['-cp', jar as string, 'org.apache.maven.artifact.versioning.ComparableVersion', ...pairs.flat()], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    // Output: "N. v -> canonical" then "   v OP next" comparing each argument with the next one.
    const ops = out
      .split('\n')
      .filter((l) => l.startsWith('   '))
      .map((l) => (l.includes(' < ') ? -1 : l.includes(' > ') ? 1 : 0));
    pairs.forEach(([a, b], i) => expect(maven.compare(a, b), `${a} vs ${b}`).toBe(ops[2 * i]));
  });
});
