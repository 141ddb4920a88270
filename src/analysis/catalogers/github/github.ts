/**
 * GitHub packages (purl type `github`): GitHub Actions and reusable workflows referenced by `uses:` in
 * .github/workflows/*.yml and action.yml files, and language runtimes installed outside any package
 * manager, identified by the files that state their version (runtimes.ts) or else by the image
 * environment (NODE_VERSION, PYTHON_VERSION, …).
 */
import { isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { CatalogContext, CatalogIssue, CatalogResult, Cataloger, FileEntryInfo } from '../../cataloger.js';
import type { Package } from '../../../model/package.js';
import { langPackage, makePurl } from '../_lang-package.js';
import { RUNTIME_MAX_BYTES, runtimeVersions, selectsRuntimeFile } from './runtimes.js';

const NAME = 'github-packages';

/** Image env variables official images set when they install a runtime by hand → its GitHub repository. */
const runtimeEnv: Readonly<Record<string, readonly [string, string]>> = {
  NODE_VERSION: ['nodejs', 'node'],
  PYTHON_VERSION: ['python', 'cpython'],
  JAVA_VERSION: ['openjdk', 'jdk'],
  GOLANG_VERSION: ['golang', 'go'],
  RUBY_VERSION: ['ruby', 'ruby'],
  PHP_VERSION: ['php', 'php-src'],
};

function isWorkflowFile(path: string): boolean {
  return /\/\.github\/workflows\/[^/]+\.ya?ml$/.test(path) || /(?:^|\/)action\.ya?ml$/.test(path);
}

/** A version-looking trailing comment ("# v4.2.2") pinned next to a commit SHA. */
function commentVersion(comment: string | null | undefined): string | undefined {
  const m = /^\s*#?\s*(?:v\s+)?(v?\d+(?:\.\d+)*[\w.-]*)\s*$/.exec(comment ?? '');
  return m?.[1];
}

function actionPackage(ref: string, path: string, stepComment: string | undefined, kind: 'action' | 'workflow'): Package | undefined {
  const value = ref.trim();
  if (value.startsWith('docker://')) return undefined;
  const at = value.lastIndexOf('@');
  const name = at > 0 ? value.slice(0, at) : value;
  let version = at > 0 ? value.slice(at + 1) : '';
  if (/^[0-9a-f]{40}$/.test(version) && stepComment) version = stepComment;
  const local = name.startsWith('./') || name.startsWith('../');
  const parts = name.split('/');
  const owner = parts[0] ?? '';
  const repo = parts[1] ?? '';
  const subpath = parts.slice(2).join('/');
  // Local actions have no registry identity, hence no purl.
  const purl = local || !owner || !repo ? '' : `${makePurl('github', owner, repo, version || undefined)}${subpath ? `#${subpath}` : ''}`;
  return {
    ...langPackage({ type: 'github', ecosystem: 'GitHub Actions', name, version: local ? '' : version, namespace: owner, purlName: repo, path, foundBy: NAME }),
    purl,
    metadata: { evidence: 'lockfile', declaredBy: [path], kind, ...(local ? { local: true } : {}), ...(at > 0 ? { ref: value.slice(at + 1) } : {}) },
  };
}

function parseWorkflow(path: string, text: string, issues: CatalogIssue[]): Package[] {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    issues.push({ path, message: `malformed workflow YAML: ${doc.errors[0]?.message ?? ''}` });
    return [];
  }
  const out: Package[] = [];
  const seen = new Set<string>();
  visit(doc, {
    Pair(_key, pair, ancestors) {
      if (!isPair(pair) || !isScalar(pair.key) || pair.key.value !== 'uses' || !isScalar(pair.value) || typeof pair.value.value !== 'string') return;
      // A `uses` inside a steps list is an action; directly under a job it calls a reusable workflow.
      const inSteps = ancestors.some((a) => isPair(a) && isScalar(a.key) && a.key.value === 'steps' && isSeq(a.value));
      const parentMap = ancestors[ancestors.length - 1];
      const kind = inSteps || !isMap(parentMap) ? 'action' : 'workflow';
      const pkg = actionPackage(pair.value.value, path, inSteps ? commentVersion(pair.value.comment) : undefined, kind);
      if (!pkg) return;
      const id = `${pkg.name}@${pkg.version}`;
      if (seen.has(id)) return;
      seen.add(id);
      out.push(pkg);
    },
  });
  return out;
}

function runtimePackage(owner: string, repo: string, version: string, path: string, declaredBy: string): Package {
  const pkg = langPackage({ type: 'github', ecosystem: 'GitHub', name: `${owner}/${repo}`, version, namespace: owner, purlName: repo, path, foundBy: NAME });
  return { ...pkg, ecosystem: undefined, metadata: { evidence: 'installed', runtime: true, declaredBy: [declaredBy] } };
}

export const githubCataloger: Cataloger = {
  name: NAME,
  version: 2,
  maxFileBytes: Math.max(RUNTIME_MAX_BYTES, 4 * 1024 * 1024),
  selects(entry: FileEntryInfo): boolean {
    return isWorkflowFile(entry.path) || selectsRuntimeFile(entry);
  },
  async catalog(ctx: CatalogContext): Promise<CatalogResult> {
    const issues: CatalogIssue[] = [];
    const out: Package[] = [];
    /** owner/repo → versions found on disk (several toolchains may sit side by side). */
    const found = new Map<string, Set<string>>();
    for (const f of ctx.fs.files()) {
      if (isWorkflowFile(f.path)) {
        out.push(...parseWorkflow(f.path, await f.text(), issues));
        continue;
      }
      if (!selectsRuntimeFile(f)) continue;
      for (const r of runtimeVersions(f, await f.bytes())) {
        const key = `${r.owner}/${r.repo}`;
        const versions = found.get(key) ?? new Set<string>();
        found.set(key, versions);
        if (versions.has(r.version)) continue;
        versions.add(r.version);
        out.push(runtimePackage(r.owner, r.repo, r.version, f.path, f.path));
      }
    }
    for (const [key, [owner, repo]] of Object.entries(runtimeEnv)) {
      const v = ctx.env[key]?.trim().replace(/^(?:v|jdk-)/, '');
      if (!v || !/^\d[\w.+-]*$/.test(v) || found.has(`${owner}/${repo}`)) continue;
      out.push(runtimePackage(owner, repo, v, '/', `image config env ${key}`));
    }
    return { packages: out, issues };
  },
};
