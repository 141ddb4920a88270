/**
 * Java cataloger: jar/war/ear/jpi/hpi (and par/sar/nar/kar) archives read as zips, with archives nested
 * inside archives (BOOT-INF/lib, WEB-INF/lib, shaded META-INF/jars) followed to a bounded depth.
 * Every pom.properties (or pom.xml when no properties exist) gives groupId:artifactId:version, so shaded
 * jars yield each embedded artifact; MANIFEST.MF and the file name are a lower-confidence fallback, with the
 * groupId inferred by group-id.ts.
 */
import type { CatalogContext, CatalogIssue, CatalogResult, Cataloger, FileEntryInfo } from '../../cataloger.js';
import type { Package } from '../../../model/package.js';
import { basename, langPackage } from '../_lang-package.js';
import { readZipEntries } from '../_lang-zip.js';
import { ClassPackages, inferGroupId, manifestCoordinates } from './group-id.js';
import type { GroupIdSource } from './group-id.js';

const NAME = 'java-archives';
const MAX_DEPTH = 8;
const MAX_NESTED_ARCHIVES = 2000;
const archiveExt = /\.(?:jar|war|ear|jpi|hpi|par|sar|nar|kar)$/i;

interface Gav {
  readonly groupId?: string;
  readonly artifactId: string;
  readonly version: string;
  readonly groupIdSource?: GroupIdSource;
}

function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#') || t.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(t);
    if (m?.[1]) out.set(m[1], (m[2] ?? '').trim());
  }
  return out;
}

/** MANIFEST.MF main section (72-byte continuation lines joined). */
export function parseManifest(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.replace(/\r?\n /g, '').split(/\r?\n/);
  for (const line of lines) {
    if (line === '') break;
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

/** Top-level coordinates of a pom.xml; a regex suffices because only three direct children of <project> are needed. */
function parsePomXml(text: string): Gav | undefined {
  const body = text.replace(/<!--[\s\S]*?-->/g, '').replace(/<(parent|dependencies|dependencyManagement|build|profiles|plugins|reporting)>[\s\S]*?<\/\1>/g, '');
  const tag = (t: string): string | undefined => new RegExp(`<${t}>\\s*([^<]+?)\\s*</${t}>`).exec(body)?.[1];
  const parentGroup = /<parent>[\s\S]*?<groupId>\s*([^<]+?)\s*<\/groupId>/.exec(text)?.[1];
  const parentVersion = /<parent>[\s\S]*?<version>\s*([^<]+?)\s*<\/version>/.exec(text)?.[1];
  const artifactId = tag('artifactId');
  const version = tag('version') ?? parentVersion;
  if (!artifactId || !version || version.includes('${')) return undefined;
  return { groupId: tag('groupId') ?? parentGroup, artifactId, version, groupIdSource: 'pom.xml' };
}

/**
 * A jar inside a Maven repository layout (`~/.m2/repository`, a Gradle or Jenkins cache that mirrors it)
 * names its coordinates in its path: …/repository/org/springframework/spring-core/6.1.1/spring-core-6.1.1.jar.
 */
function fromRepositoryLayout(path: string): Gav | undefined {
  const m = /\/repository\/((?:[^/]+\/)+?)([^/]+)\/([^/]+)\/\2-\3(?:-[^/]+)?\.[a-z]+$/i.exec(path);
  return m?.[1] && m[2] && m[3] ? { groupId: m[1].slice(0, -1).replaceAll('/', '.'), artifactId: m[2], version: m[3], groupIdSource: 'repository-layout' } : undefined;
}

function fromFileName(path: string): Gav | undefined {
  const m = /^(.+?)-(\d[\w.+-]*)\.[a-z]+$/i.exec(basename(path));
  return m?.[1] && m[2] ? { artifactId: m[1], version: m[2] } : undefined;
}

function manifestLicenses(mf: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of mf) if (/^(?:Bundle-License|Plugin-License-Name(?:-\d+)?)$/.test(k) && v) out.push(v);
  return out;
}

function javaPackage(gav: Gav, imagePath: string, chain: string[], confidence: 'high' | 'low', evidence: string, licenses: string[] = []): Package {
  const name = gav.groupId ? `${gav.groupId}:${gav.artifactId}` : gav.artifactId;
  return langPackage({
    type: 'maven',
    ecosystem: 'Maven',
    name,
    version: gav.version,
    namespace: gav.groupId,
    purlName: gav.artifactId,
    path: imagePath,
    foundBy: NAME,
    licenses,
    metadata: {
      evidence: 'installed',
      confidence,
      declaredBy: [[...chain, ...(evidence ? [evidence] : [])].join('!/')],
      archive: chain.join('!/'),
      ...(gav.groupId ? (gav.groupIdSource ? { groupIdSource: gav.groupIdSource } : {}) : { groupIdUnknown: true }),
    },
  });
}

interface WalkState {
  nested: number;
  readonly issues: CatalogIssue[];
  readonly out: Package[];
}

async function walkArchive(bytes: Uint8Array, imagePath: string, chain: string[], depth: number, st: WalkState): Promise<void> {
  let entries: Map<string, Uint8Array>;
  const classes = new ClassPackages();
  try {
    entries = await readZipEntries(bytes, (n) => {
      classes.add(n);
      return /(?:^|\/)pom\.(?:properties|xml)$/.test(n) || n === 'META-INF/MANIFEST.MF' || archiveExt.test(n);
    });
  } catch (e) {
    st.issues.push({ path: chain.join('!/'), message: `unreadable archive: ${(e as Error).message}` });
    return;
  }
  const dec = new TextDecoder();
  let found = 0;
  const seen = new Set<string>();
  for (const [name, data] of entries) {
    if (!name.endsWith('pom.properties')) continue;
    const props = parseProperties(dec.decode(data));
    const artifactId = props.get('artifactId');
    const version = props.get('version');
    if (!artifactId || !version) continue;
    const groupId = props.get('groupId');
    const gav: Gav = { groupId, artifactId, version, ...(groupId ? { groupIdSource: 'pom.properties' as const } : {}) };
    // The same artifact's pom.properties may be copied into several folders of a shaded jar.
    const key = `${gav.groupId}:${artifactId}@${version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    seen.add(`${gav.groupId}:${artifactId}`);
    st.out.push(javaPackage(gav, imagePath, chain, 'high', name));
    found++;
  }
  for (const [name, data] of entries) {
    if (!name.endsWith('pom.xml') || !name.startsWith('META-INF/maven/')) continue;
    const gav = parsePomXml(dec.decode(data));
    // pom.properties is authoritative (pom.xml versions may be unresolved or differ); pom.xml only fills gaps.
    if (!gav || seen.has(`${gav.groupId}:${gav.artifactId}`)) continue;
    seen.add(`${gav.groupId}:${gav.artifactId}`);
    st.out.push(javaPackage(gav, imagePath, chain, 'high', name));
    found++;
  }
  if (found === 0) {
    const mfBytes = entries.get('META-INF/MANIFEST.MF');
    const mf = mfBytes ? parseManifest(dec.decode(mfBytes)) : new Map<string, string>();
    const fileGav = fromFileName(chain[chain.length - 1] ?? imagePath);
    const coords = manifestCoordinates(mf);
    const title = mf.get('Implementation-Title') ?? mf.get('Bundle-SymbolicName')?.split(';')[0] ?? mf.get('Automatic-Module-Name');
    // A title is an artifactId only when it looks like one ("Apache Tomcat" is a product name).
    const titleId = title && /^[\w.-]+$/.test(title) ? title : undefined;
    const mfVersion = mf.get('Implementation-Version') ?? mf.get('Bundle-Version') ?? coords?.version;
    // Some builds stamp a build suffix onto the released version (kotlin-stdlib 1.9.21 says 1.9.21-release-633).
    const version = fileGav && mfVersion?.startsWith(`${fileGav.version}-`) ? fileGav.version : (mfVersion ?? fileGav?.version);
    const declaresGroup = mf.has('Group-Id') || mf.has('Implementation-Vendor-Id');
    const artifactId = coords?.artifactId ?? ((declaresGroup && titleId) || !fileGav ? (titleId ?? title) : fileGav.artifactId);
    const layout = fromRepositoryLayout(chain[chain.length - 1] ?? imagePath);
    if (layout) st.out.push(javaPackage(layout, imagePath, chain, 'high', '', manifestLicenses(mf)));
    else if (artifactId && version) {
      const guess = inferGroupId(artifactId, version, mf, classes);
      const gav: Gav = { groupId: guess?.groupId, artifactId, version, groupIdSource: guess?.source };
      st.out.push(javaPackage(gav, imagePath, chain, 'low', mfBytes ? 'META-INF/MANIFEST.MF' : 'file name', manifestLicenses(mf)));
    }
  }
  for (const [name, data] of entries) {
    if (!archiveExt.test(name)) continue;
    if (depth + 1 > MAX_DEPTH || ++st.nested > MAX_NESTED_ARCHIVES) {
      st.issues.push({ path: [...chain, name].join('!/'), message: 'nested archive limit reached' });
      continue;
    }
    await walkArchive(data, imagePath, [...chain, name], depth + 1, st);
  }
}

export const javaCataloger: Cataloger = {
  name: NAME,
  version: 3,
  maxFileBytes: 512 * 1024 * 1024,
  selects(entry: FileEntryInfo): boolean {
    return archiveExt.test(entry.path);
  },
  async catalog(ctx: CatalogContext): Promise<CatalogResult> {
    const st: WalkState = { nested: 0, issues: [], out: [] };
    for (const f of ctx.fs.files()) {
      if (ctx.signal.aborted) break;
      if (!archiveExt.test(f.path)) continue;
      st.nested = 0;
      await walkArchive(await f.bytes(), f.path, [f.path], 0, st);
    }
    return { packages: st.out, issues: st.issues };
  },
};
