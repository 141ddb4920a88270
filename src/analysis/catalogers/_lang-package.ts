/**
 * Helpers shared by the language-ecosystem catalogers: building a Package with a spec-conformant purl,
 * and merging duplicates so installed evidence wins over lockfile evidence for the same name@version.
 */
import { PackageURL } from 'packageurl-js';
import type { Package, PackageType } from '../../model/package.js';

export interface LangPackageInput {
  readonly type: PackageType;
  readonly ecosystem: string;
  readonly name: string;
  readonly version: string;
  /** purl namespace (npm scope, maven groupId, go module path prefix, …). */
  readonly namespace?: string;
  /** purl name when it differs from the display name. */
  readonly purlName?: string;
  readonly qualifiers?: Readonly<Record<string, string>>;
  readonly path: string;
  readonly foundBy: string;
  readonly licenses?: readonly string[];
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export function makePurl(type: string, namespace: string | undefined, name: string, version: string | undefined, qualifiers?: Readonly<Record<string, string>>): string {
  try {
    return new PackageURL(type, namespace || undefined, name, version || undefined, qualifiers ? { ...qualifiers } : undefined, undefined).toString();
  } catch {
    // packageurl-js rejects a few odd names; fall back to plain percent-encoding so the package is not lost.
    const ns = namespace ? `${namespace.split('/').map(encodeURIComponent).join('/')}/` : '';
    return `pkg:${type}/${ns}${encodeURIComponent(name)}${version ? `@${encodeURIComponent(version)}` : ''}`;
  }
}

export function langPackage(input: LangPackageInput): Package {
  const purl = makePurl(input.type, input.namespace, input.purlName ?? input.name, input.version, input.qualifiers);
  return {
    name: input.name,
    version: input.version,
    type: input.type,
    purl,
    ecosystem: input.ecosystem,
    licenses: input.licenses ? [...new Set(input.licenses.filter((l) => l.length > 0))] : [],
    locations: [{ path: input.path }],
    foundBy: input.foundBy,
    ...(input.metadata ? { metadata: input.metadata } : {}),
  };
}

/**
 * Merges packages with the same purl. A package with `metadata.evidence === 'installed'` replaces lockfile
 * ones; locations and declaredBy paths are united so the relationship to every manifest survives.
 */
export function mergeByPurl(pkgs: readonly Package[]): Package[] {
  const byKey = new Map<string, Package>();
  const rank = (p: Package): number => (p.metadata?.evidence === 'installed' ? 2 : 1);
  for (const p of pkgs) {
    const prev = byKey.get(p.purl);
    if (!prev) {
      byKey.set(p.purl, p);
      continue;
    }
    const [winner, loser] = rank(p) > rank(prev) ? [p, prev] : [prev, p];
    const locations = [...winner.locations];
    for (const l of loser.locations) if (!locations.some((w) => w.path === l.path)) locations.push(l);
    const declared = new Set<string>([...asStrings(winner.metadata?.declaredBy), ...asStrings(loser.metadata?.declaredBy)]);
    // dev-only holds only if every piece of evidence says dev-only.
    const dev = winner.metadata?.dev === true && loser.metadata?.dev === true;
    byKey.set(p.purl, {
      ...winner,
      locations,
      licenses: winner.licenses.length > 0 ? winner.licenses : loser.licenses,
      metadata: { ...loser.metadata, ...winner.metadata, declaredBy: [...declared], dev },
    });
  }
  return [...byKey.values()];
}

function asStrings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

export function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Parses JSON without throwing; `undefined` on malformed input. */
export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Minimal reader for the `[[package]]` tables of poetry.lock, uv.lock and Cargo.lock; no TOML library is installed and only flat keys are needed. */
export function tomlPackages(text: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  let cur: Record<string, string> | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^\[\[package\]\]\s*$/.test(line)) {
      cur = {};
      out.push(cur);
      continue;
    }
    if (/^\[/.test(line)) {
      cur = undefined;
      continue;
    }
    const m = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(line);
    if (cur && m?.[1] && m[2] !== undefined) {
      const v = m[2].trim().replace(/^"""(.*)"""$/, '"$1"');
      const q = /^"((?:[^"\\]|\\.)*)"/.exec(v);
      cur[m[1]] = q?.[1] ?? v;
    }
  }
  return out;
}

