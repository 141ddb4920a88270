/**
 * groupId inference for jars without Maven metadata: every rule over a real jar from the local Maven
 * repository (the jar's place there is the truth), and the ways a rule must refuse, over jars built here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toolsBinDir } from '../../../../test/helpers/tools.js';
import { readZipEntries } from '../_lang-zip.js';
import { fsFromMap, runCatalogers } from '../_lang-testkit.js';
import { storedZip } from './_testkit/stored-zip.js';
import { ClassPackages, inferGroupId, manifestCoordinates } from './group-id.js';
import type { GroupIdSource } from './group-id.js';
import { javaCataloger, parseManifest } from './java.js';

// Real jars: scripts/install-test-deps.sh fetches every jar of scripts/test-jars.txt into the tools
// directory in Maven's repository layout; a local Maven repository serves too. Where neither has a jar its
// case skips (named in the skip message), except in CI (CROWSNEST_REQUIRE_TOOLS=1), where it fails.
const repositories = [join(dirname(toolsBinDir), 'maven'), process.env.CROWSNEST_M2_REPO ?? join(homedir(), '.m2', 'repository')];
const requireJars = process.env.CROWSNEST_REQUIRE_TOOLS === '1';

function jarPath(g: string, a: string, v: string): string {
  const rel = join(...g.split('.'), a, v, `${a}-${v}.jar`);
  const found = repositories.map((r) => join(r, rel)).find((p) => existsSync(p));
  return found ?? join(repositories[0] ?? '', rel);
}

/** Skip only where jars are optional; in CI a missing jar fails its case when read. */
const absent = (path: string): boolean => !requireJars && !existsSync(path);

async function inspect(bytes: Uint8Array): Promise<{ mf: Map<string, string>; classes: ClassPackages }> {
  const classes = new ClassPackages();
  const entries = await readZipEntries(bytes, (n) => {
    classes.add(n);
    return n === 'META-INF/MANIFEST.MF';
  });
  const mf = entries.get('META-INF/MANIFEST.MF');
  return { mf: mf ? parseManifest(new TextDecoder().decode(mf)) : new Map(), classes };
}

/** The manifest without the fields that name a group, to exercise the table on its own. */
function withoutGroupFields(mf: Map<string, string>): Map<string, string> {
  const out = new Map(mf);
  for (const k of ['Implementation-Title', 'Implementation-Vendor-Id', 'Group-Id', 'Bundle-SymbolicName', 'Automatic-Module-Name']) out.delete(k);
  return out;
}

const mf = (fields: Record<string, string>): string => `Manifest-Version: 1.0\r\n${Object.entries(fields).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;

// [groupId, artifactId, version, how the full inference finds it]
const REAL: readonly (readonly [string, string, string, GroupIdSource])[] = [
  ['org.springframework.boot', 'spring-boot', '3.2.0', 'known-project'],
  ['org.springframework.boot', 'spring-boot-autoconfigure', '3.2.0', 'known-project'],
  ['org.springframework.boot', 'spring-boot-starter-web', '3.2.0', 'known-project'],
  ['org.springframework', 'spring-core', '6.1.1', 'known-project'],
  ['org.springframework', 'spring-webmvc', '6.1.1', 'known-project'],
  ['org.springframework', 'spring-webflux', '6.1.1', 'known-project'],
  ['org.springframework', 'spring-jcl', '6.1.1', 'known-project'],
  ['org.springframework.security', 'spring-security-core', '6.2.0', 'known-project'],
  ['org.springframework.kafka', 'spring-kafka', '3.1.0', 'manifest-group'],
  ['io.micrometer', 'micrometer-commons', '1.12.0', 'manifest-coordinates'],
  ['io.micrometer', 'micrometer-observation', '1.12.0', 'manifest-coordinates'],
  ['org.apache.tomcat.embed', 'tomcat-embed-core', '10.1.16', 'known-project'],
  ['org.apache.tomcat.embed', 'tomcat-embed-el', '10.1.16', 'known-project'],
  ['org.apache.tomcat.embed', 'tomcat-embed-websocket', '10.1.16', 'known-project'],
  ['org.jetbrains.kotlin', 'kotlin-stdlib', '1.9.21', 'known-project'],
  ['org.jetbrains.kotlinx', 'kotlinx-coroutines-core-jvm', '1.7.3', 'known-project'],
  ['io.projectreactor', 'reactor-core', '3.6.0', 'known-project'],
  ['org.apache.kafka', 'kafka-clients', '3.6.1', 'known-project'],
  ['org.aspectj', 'aspectjweaver', '1.9.20.1', 'known-project'],
  ['org.checkerframework', 'checker-qual', '2.5.2', 'known-project'],
  ['org.codehaus.jackson', 'jackson-core-asl', '1.9.13', 'known-project'],
  ['org.codehaus.jackson', 'jackson-mapper-asl', '1.9.13', 'known-project'],
  ['org.lz4', 'lz4-java', '1.8.0', 'known-project'],
  ['org.xerial.snappy', 'snappy-java', '1.1.10.5', 'manifest-group'],
  ['com.github.luben', 'zstd-jni', '1.5.5-1', 'manifest-group'],
  // Both manifests say org.hibernate.
  ['org.hibernate.orm', 'hibernate-core', '6.3.1.Final', 'moved-group'],
  ['org.hibernate.common', 'hibernate-commons-annotations', '6.0.6.Final', 'moved-group'],
];

// Families and lists also hold where the manifest says nothing (a repackaged jar, a stripped manifest).
const TABLE_ONLY: readonly (readonly [string, string, string])[] = [
  ['io.micrometer', 'micrometer-commons', '1.12.0'],
  ['org.springframework.kafka', 'spring-kafka', '3.1.0'],
  ['org.springframework.data', 'spring-data-commons', '3.2.0'],
  ['org.springframework.cloud', 'spring-cloud-commons', '4.1.0'],
  ['org.springframework.boot', 'spring-boot-starter', '3.2.0'],
];

const NEGATIVES: readonly (readonly [string, string, string, string])[] = [
  // kotlin-logging shares the `kotlin` family name; its classes live in `mu`.
  ['io.github.microutils', 'kotlin-logging-jvm', '3.0.5', 'org.jetbrains.kotlin'],
  // Bundle-SymbolicName io.projectreactor.netty.reactor-netty-core; reactor-core's rule must not reach it.
  ['io.projectreactor.netty', 'reactor-netty-core', '1.1.13', 'io.projectreactor'],
  // Implementation-Vendor-Id org.apache (the foundation), classes javax.servlet.jsp.
  ['javax.servlet.jsp', 'jsp-api', '2.1', 'org.apache'],
];

describe('groupId of real jars without pom.properties', () => {
  for (const [g, a, v, source] of REAL) {
    const path = jarPath(g, a, v);
    it.skipIf(absent(path))(`${g}:${a}:${v} (skipped when ${path} is absent)`, async () => {
      const bytes = readFileSync(path);
      const pkgs = await runCatalogers(fsFromMap({ [`/opt/app/lib/${a}-${v}.jar`]: bytes }), [javaCataloger]);
      // The case is only meaningful for a jar that says nothing of its coordinates itself.
      expect(pkgs.every((p) => p.metadata?.groupIdSource !== 'pom.properties')).toBe(true);
      const pkg = pkgs.find((p) => p.purl.startsWith(`pkg:maven/`) && p.version === v);
      expect(pkg?.purl).toBe(`pkg:maven/${g}/${a}@${v}`);
      expect(pkg?.metadata?.groupIdSource).toBe(source);
      expect(pkg?.metadata?.confidence).toBe('low');
    });
  }

  for (const [g, a, v] of TABLE_ONLY) {
    const path = jarPath(g, a, v);
    it.skipIf(absent(path))(`the table alone names ${g}:${a} (skipped when ${path} is absent)`, async () => {
      const { mf: manifest, classes } = await inspect(readFileSync(path));
      expect(inferGroupId(a, v, withoutGroupFields(manifest), classes)).toEqual({ groupId: g, source: 'known-project' });
    });
  }

  for (const [g, a, v, wrong] of NEGATIVES) {
    const path = jarPath(g, a, v);
    it.skipIf(absent(path))(`names no wrong group for ${g}:${a} (skipped when ${path} is absent)`, async () => {
      const { mf: manifest, classes } = await inspect(readFileSync(path));
      const guess = inferGroupId(a, v, manifest, classes);
      expect(guess?.groupId).not.toBe(wrong);
      // Whatever is inferred must be the truth; none is acceptable.
      if (guess) expect(guess.groupId).toBe(g);
    });
  }
});

describe('groupId inference refuses what the jar contradicts', () => {
  const classes = (...names: string[]): ClassPackages => {
    const c = new ClassPackages();
    for (const n of names) c.add(n);
    return c;
  };

  it('reads Gradle coordinates only for the same artifact', () => {
    const m = new Map([['Implementation-Title', 'io.micrometer#micrometer-core;1.12.0']]);
    expect(manifestCoordinates(m)).toEqual({ groupId: 'io.micrometer', artifactId: 'micrometer-core', version: '1.12.0' });
    expect(inferGroupId('micrometer-core', '1.12.0', m, classes('io/micrometer/core/A.class'))?.source).toBe('manifest-coordinates');
    expect(inferGroupId('other', '1.0', m, classes('com/acme/A.class'))).toBeUndefined();
  });

  it('keeps a table name off a jar whose classes belong elsewhere, and off empty jars of a family', () => {
    expect(inferGroupId('spring-core', '6.1.1', new Map(), classes('com/acme/Foo.class', 'com/acme/Bar.class'))).toBeUndefined();
    expect(inferGroupId('kotlin-foo', '1.0', new Map(), classes())).toBeUndefined();
    // Listed artifactIds may be empty jars (Spring Boot starters are).
    expect(inferGroupId('spring-core', '6.1.1', new Map(), classes())?.groupId).toBe('org.springframework');
  });

  it('does not apply a table rule or a move before the version its group starts at', () => {
    const aj = classes('org/aspectj/weaver/A.class');
    expect(inferGroupId('aspectjweaver', '1.5.3', new Map(), aj)).toBeUndefined();
    expect(inferGroupId('aspectjweaver', '1.6.0', new Map(), aj)?.groupId).toBe('org.aspectj');
    const hib = new Map([['Implementation-Vendor-Id', 'org.hibernate']]);
    const orm = classes('org/hibernate/Session.class');
    expect(inferGroupId('hibernate-core', '5.6.15.Final', hib, orm)).toEqual({ groupId: 'org.hibernate', source: 'manifest-group' });
    expect(inferGroupId('hibernate-core', '6.0.0.Final', hib, orm)).toEqual({ groupId: 'org.hibernate.orm', source: 'moved-group' });
  });

  it('does not override a manifest group, and drops one the classes contradict', () => {
    const own = new Map([['Implementation-Vendor-Id', 'com.acme']]);
    expect(inferGroupId('spring-core', '6.1.1', own, classes('com/acme/A.class'))).toEqual({ groupId: 'com.acme', source: 'manifest-group' });
    // A Spring-looking jar whose manifest claims com.acme: the table does not step in.
    expect(inferGroupId('spring-core', '6.1.1', own, classes('org/springframework/core/A.class'))).toBeUndefined();
    // A vendor's name is no group: it neither counts nor blocks the table.
    const vendorName = new Map([['Implementation-Vendor-Id', 'Pivotal Software, Inc.']]);
    expect(inferGroupId('spring-core', '6.1.1', vendorName, classes('org/springframework/core/A.class'))).toEqual({ groupId: 'org.springframework', source: 'known-project' });
    expect(inferGroupId('acme', '1.0', vendorName, classes())).toBeUndefined();
  });

  it('takes no group from a symbolic name, and none from a foundation id', () => {
    // The shape the rule would need (group.artifactId) and classes that agree: still not a source.
    const bsn = new Map([['Bundle-SymbolicName', 'com.example.foo-bar;singleton:=true']]);
    expect(inferGroupId('foo-bar', '1.0', bsn, classes('com/example/foo/A.class'))).toBeUndefined();
    // org.apache names the foundation; the jar's own group (commons-lang here) is not in its manifest.
    const asf = new Map([['Implementation-Vendor-Id', 'org.apache']]);
    expect(inferGroupId('commons-lang', '2.6', asf, classes('org/apache/commons/lang/StringUtils.class'))).toBeUndefined();
  });

  it('keeps the group of pom.properties for a jar whose name looks like a known project', async () => {
    const jar = storedZip({
      'META-INF/MANIFEST.MF': mf({ 'Implementation-Title': 'spring-foo', 'Implementation-Version': '1.0' }),
      'META-INF/maven/com.acme/spring-foo/pom.properties': 'groupId=com.acme\nartifactId=spring-foo\nversion=1.0\n',
      'org/springframework/foo/Foo.class': 'x',
    });
    const pkgs = await runCatalogers(fsFromMap({ '/app/spring-foo-1.0.jar': jar }), [javaCataloger]);
    expect(pkgs.map((p) => p.purl)).toEqual(['pkg:maven/com.acme/spring-foo@1.0']);
    expect(pkgs[0]?.metadata).toMatchObject({ groupIdSource: 'pom.properties', confidence: 'high' });
  });

  it('leaves a jar group-less when nothing agrees, so the matcher can still resolve it by artifactId', async () => {
    const jar = storedZip({
      'META-INF/MANIFEST.MF': mf({ 'Implementation-Title': 'Acme Product', 'Implementation-Vendor-Id': 'com.acme', 'Implementation-Version': '2.1' }),
      'javax/servlet/jsp/JspPage.class': 'x',
    });
    const pkgs = await runCatalogers(fsFromMap({ '/app/jsp-api-2.1.jar': jar }), [javaCataloger]);
    expect(pkgs).toHaveLength(1);
    expect(pkgs[0]).toMatchObject({ name: 'jsp-api', version: '2.1', purl: 'pkg:maven/jsp-api@2.1' });
    expect(pkgs[0]?.metadata).toMatchObject({ groupIdUnknown: true, confidence: 'low' });
  });
});

describe('the real jars the tests read', () => {
  it('are all listed in scripts/test-jars.txt, which install-test-deps fetches', () => {
    const listed = new Set(readFileSync(join(import.meta.dirname, '../../../../scripts/test-jars.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')));
    const used = [...REAL.map(([g, a, v]) => `${g}:${a}:${v}`), ...TABLE_ONLY.map(([g, a, v]) => `${g}:${a}:${v}`), ...NEGATIVES.map(([g, a, v]) => `${g}:${a}:${v}`)];
    expect(used.filter((c) => !listed.has(c))).toEqual([]);
  });
});
