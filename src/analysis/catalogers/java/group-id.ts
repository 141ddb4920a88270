/**
 * Maven groupId for a jar that carries no Maven metadata (no pom.properties / pom.xml, not in a repository
 * layout) — typically built by Gradle, Ant or bnd. Every answer is an inference, so it says where it came
 * from (`source`) and the caller keeps the package at low confidence; a wrong groupId makes false advisory
 * matches, so each step needs agreement from the jar's own classes and otherwise leaves the group unknown.
 */

/** How a package's groupId was found, recorded in package metadata as `groupIdSource`. */
export type GroupIdSource =
  | 'pom.properties'
  | 'pom.xml'
  | 'repository-layout'
  /** Implementation-Title written as `group#artifact;version` (Gradle's nebula/ivy style). */
  | 'manifest-coordinates'
  /** Group-Id or Implementation-Vendor-Id, confirmed by the class packages. */
  | 'manifest-group'
  /** A manifest group whose artifact Maven Central keeps under a newer group from some version on (MOVED). */
  | 'moved-group'
  /** KNOWN_PROJECTS below, confirmed by the class packages. */
  | 'known-project';

export interface GroupIdGuess {
  readonly groupId: string;
  readonly source: GroupIdSource;
}

/** Class files per Java package of one archive, gathered from its entry names (no bytes are read). */
export class ClassPackages {
  readonly #counts = new Map<string, number>();
  #total = 0;

  /** Records one zip entry name; anything but a class file in a named package is ignored. */
  add(entryName: string): void {
    if (!entryName.endsWith('.class')) return;
    // Multi-release, Spring Boot and war layouts keep the same packages under a prefix.
    const name = entryName.replace(/^(?:META-INF\/versions\/\d+\/|BOOT-INF\/classes\/|WEB-INF\/classes\/)/, '');
    if (name.startsWith('META-INF/')) return;
    const slash = name.lastIndexOf('/');
    if (slash <= 0) return;
    const pkg = name.slice(0, slash).replaceAll('/', '.');
    this.#counts.set(pkg, (this.#counts.get(pkg) ?? 0) + 1);
    this.#total++;
  }

  get total(): number {
    return this.#total;
  }

  /**
   * Whether at least half of the class files sit in one of `roots` (a package or its sub-packages). Half,
   * not all: jars routinely embed a spec API or a shaded helper beside their own code (Tomcat ships
   * jakarta.servlet, AspectJ a relocated ASM).
   */
  mostlyUnder(roots: readonly string[]): boolean {
    if (this.#total === 0) return false;
    let under = 0;
    for (const [pkg, n] of this.#counts) if (roots.some((r) => pkg === r || pkg.startsWith(`${r}.`))) under += n;
    return under * 2 >= this.#total;
  }
}

/** `group#artifact;version` in Implementation-Title, as Gradle's nebula plugins write it. */
export function manifestCoordinates(mf: ReadonlyMap<string, string>): { groupId: string; artifactId: string; version: string } | undefined {
  const m = /^([A-Za-z0-9_.-]+)#([A-Za-z0-9_.-]+);([A-Za-z0-9_.+-]+)$/.exec(mf.get('Implementation-Title') ?? '');
  return m?.[1] && m[2] && m[3] ? { groupId: m[1], artifactId: m[2], version: m[3] } : undefined;
}

interface KnownProject {
  readonly groupId: string;
  /** Exact artifactIds, each checked on Maven Central under groupId. Such a rule also names empty jars. */
  readonly artifactIds?: readonly string[];
  /**
   * A family: the artifactId `family` or `family-…`. Families need the classes to agree (an empty jar is
   * not enough), except where the family name is reserved by its project (`reserved`).
   */
  readonly family?: string;
  readonly reserved?: boolean;
  /** Java packages the project's classes live in. */
  readonly classRoots: readonly string[];
  /** First version published under groupId, where earlier releases used another group. */
  readonly since?: string;
}

/**
 * Projects whose released jars carry no Maven metadata, written and checked for Crowsnest (every groupId
 * and artifactId below was looked up in Maven Central's maven-metadata.xml on 2026-11-23). Keep it small:
 * add a project only with a test over one of its real jars.
 */
const KNOWN_PROJECTS: readonly KnownProject[] = [
  // Spring Boot reserves artifactIds starting with spring-boot for its own modules ("third-party starters
  // should not start with spring-boot"), and its starters are empty jars.
  { groupId: 'org.springframework.boot', family: 'spring-boot', reserved: true, classRoots: ['org.springframework.boot'] },
  {
    groupId: 'org.springframework',
    // The Spring Framework modules; a generic `spring-` prefix would also take Spring sub-projects and
    // third-party jars whose group differs.
    artifactIds: [
      'spring-aop', 'spring-aspects', 'spring-beans', 'spring-context', 'spring-context-indexer', 'spring-context-support',
      'spring-core', 'spring-expression', 'spring-instrument', 'spring-jdbc', 'spring-jms', 'spring-messaging',
      'spring-orm', 'spring-oxm', 'spring-r2dbc', 'spring-test', 'spring-tx', 'spring-web', 'spring-webflux', 'spring-webmvc',
      'spring-websocket',
    ],
    classRoots: ['org.springframework'],
  },
  // Spring's own Commons Logging bridge: its classes are org.apache.commons.logging.
  { groupId: 'org.springframework', artifactIds: ['spring-jcl'], classRoots: ['org.apache.commons.logging'] },
  {
    groupId: 'org.springframework.security',
    artifactIds: ['spring-security-core', 'spring-security-web', 'spring-security-config', 'spring-security-crypto', 'spring-security-test'],
    classRoots: ['org.springframework.security'],
  },
  { groupId: 'org.springframework.data', family: 'spring-data', classRoots: ['org.springframework.data'] },
  { groupId: 'org.springframework.cloud', family: 'spring-cloud', classRoots: ['org.springframework.cloud'] },
  { groupId: 'org.springframework.kafka', artifactIds: ['spring-kafka', 'spring-kafka-test'], classRoots: ['org.springframework.kafka'] },
  { groupId: 'io.micrometer', family: 'micrometer', classRoots: ['io.micrometer'] },
  // Bundle-SymbolicName says org.apache.tomcat-embed-core: the group is not in the manifest.
  { groupId: 'org.apache.tomcat.embed', family: 'tomcat-embed', classRoots: ['org.apache', 'jakarta', 'javax'] },
  // kotlin-logging (io.github.microutils) shares the prefix; its classes are not in `kotlin`.
  { groupId: 'org.jetbrains.kotlin', family: 'kotlin', classRoots: ['kotlin', 'org.jetbrains.kotlin'] },
  { groupId: 'org.jetbrains.kotlinx', family: 'kotlinx', classRoots: ['kotlinx'] },
  // reactor-core 1.x was org.projectreactor; reactor-netty is another group.
  { groupId: 'io.projectreactor', artifactIds: ['reactor-core', 'reactor-test'], classRoots: ['reactor'], since: '2' },
  { groupId: 'org.apache.kafka', artifactIds: ['kafka-clients', 'kafka-streams'], classRoots: ['org.apache.kafka'] },
  // aspectj:aspectjweaver until 1.5.4.
  { groupId: 'org.aspectj', artifactIds: ['aspectjweaver', 'aspectjrt', 'aspectjtools'], classRoots: ['org.aspectj'], since: '1.5.4' },
  { groupId: 'org.checkerframework', artifactIds: ['checker-qual'], classRoots: ['org.checkerframework'] },
  { groupId: 'org.codehaus.jackson', artifactIds: ['jackson-core-asl', 'jackson-mapper-asl'], classRoots: ['org.codehaus.jackson'] },
  { groupId: 'org.lz4', artifactIds: ['lz4-java'], classRoots: ['net.jpountz'] },
];

/**
 * Artifacts that moved to another group while their manifests kept naming the old one (checked in Maven
 * Central's maven-metadata.xml on 2026-11-23): Hibernate ORM publishes under org.hibernate.orm from 6.0
 * (org.hibernate only holds relocation POMs), Hibernate Commons Annotations under org.hibernate.common from 4.0.
 */
const MOVED: readonly { readonly from: string; readonly artifactIds: readonly string[]; readonly to: string; readonly since: string }[] = [
  { from: 'org.hibernate', artifactIds: ['hibernate-core', 'hibernate-envers', 'hibernate-hikaricp', 'hibernate-jcache'], to: 'org.hibernate.orm', since: '6' },
  { from: 'org.hibernate', artifactIds: ['hibernate-commons-annotations'], to: 'org.hibernate.common', since: '4' },
];

/** Compares the leading numeric dotted part of two versions (enough for the `since` bounds above). */
function atLeast(version: string, since: string): boolean {
  const nums = (v: string): number[] => (/^\d+(?:\.\d+)*/.exec(v)?.[0] ?? '').split('.').filter(Boolean).map(Number);
  const a = nums(version);
  const b = nums(since);
  if (a.length === 0) return false;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

/** The most specific rule naming artifactId: an exact artifactId beats a family, a longer family a shorter one. */
function knownProject(artifactId: string): { rule: KnownProject; exact: boolean } | undefined {
  let best: { rule: KnownProject; exact: boolean; len: number } | undefined;
  for (const rule of KNOWN_PROJECTS) {
    if (rule.artifactIds?.includes(artifactId)) return { rule, exact: true };
    const f = rule.family;
    if (f && (artifactId === f || artifactId.startsWith(`${f}-`)) && (!best || f.length > best.len)) best = { rule, exact: false, len: f.length };
  }
  return best;
}

const groupShaped = /^[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*$/;

/**
 * Implementation-Vendor-Id values that name a foundation, not a group: `org.apache` holds only the ASF parent
 * POM, yet Apache Commons, HttpCore, Velocity and Ant-era jars put it there (11 of 11 such jars in a local
 * Maven repository belonged to another group).
 */
const FOUNDATION_IDS: ReadonlySet<string> = new Set(['org.apache']);

/**
 * The groupId of a jar without Maven metadata, or undefined when nothing trustworthy says it. Steps, first
 * answer wins: the manifest's own coordinates; an explicit manifest group (Group-Id, then
 * Implementation-Vendor-Id) that the classes confirm, or the group its artifact moved to — a group the classes
 * contradict ends the search, the manifest is not overridden; the known-project table.
 *
 * Bundle-SymbolicName and Automatic-Module-Name are deliberately not used, even when shaped
 * `group.artifactId`: they follow the Java package, not the Maven group. Over the 229 jars of a local Maven
 * repository that rule named 25 wrong groups for 8 right ones (org.eclipse for jetty-util's
 * org.eclipse.jetty.util, com.google for guava and gson, org.apache.commons for commons-io, ch.qos for
 * logback), and the class packages cannot tell them apart.
 */
export function inferGroupId(artifactId: string, version: string, mf: ReadonlyMap<string, string>, classes: ClassPackages): GroupIdGuess | undefined {
  const coords = manifestCoordinates(mf);
  if (coords && coords.artifactId === artifactId) return { groupId: coords.groupId, source: 'manifest-coordinates' };

  // Only a value shaped like a groupId is a group ("Apache Software Foundation" is a vendor's name).
  const declared = [mf.get('Group-Id'), mf.get('Implementation-Vendor-Id')].find((v) => v !== undefined && groupShaped.test(v) && !FOUNDATION_IDS.has(v));
  if (declared) {
    // An empty jar has nothing to contradict its manifest.
    if (classes.total > 0 && !classes.mostlyUnder([declared])) return undefined;
    const moved = MOVED.find((m) => m.from === declared && m.artifactIds.includes(artifactId) && atLeast(version, m.since));
    return moved ? { groupId: moved.to, source: 'moved-group' } : { groupId: declared, source: 'manifest-group' };
  }

  const known = knownProject(artifactId);
  if (known && (!known.rule.since || atLeast(version, known.rule.since))) {
    const agrees = classes.total === 0 ? known.exact || known.rule.reserved === true : classes.mostlyUnder(known.rule.classRoots);
    if (agrees) return { groupId: known.rule.groupId, source: 'known-project' };
  }
  return undefined;
}
