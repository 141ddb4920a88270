/**
 * Licence strings from catalogers → SPDX license expressions where they are valid, else free text.
 * CycloneDX (license.id / expression / name) and SPDX (licenseDeclared + LicenseRef-…) renderers both
 * decide through `classifyLicense`, so one string is treated the same way in every format.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import parseSpdx from 'spdx-expression-parse';

export type LicenseClass =
  /** A valid SPDX expression, canonicalised (ids in list case, upper-case operators). */
  | {
      readonly kind: 'spdx';
      readonly expression: string;
      /** One plain list id (no `+`, no `WITH`, no operator): what CycloneDX's `license.id` accepts. */
      readonly id?: string;
      /** `LicenseRef-…` ids used in the expression (they need an extracted-licensing entry in SPDX). */
      readonly licenseRefs: readonly string[];
    }
  /** Anything else: a licence name, a URL, a sentence from a copyright file. */
  | { readonly kind: 'text'; readonly text: string };

/** Expressions longer than this are treated as free text (the parser is recursive). */
const MAX_EXPRESSION_CHARS = 2048;

// spdx-license-ids is a bare JSON module (no types, no ESM entry); the parser reads the same files.
const require = createRequire(import.meta.url);
function loadIds(specifier: string): string[] {
  const value: unknown = require(specifier);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
/** Current ids first, so a case-insensitive match prefers them over a deprecated spelling. */
const spdxLicenseIds = [...loadIds('spdx-license-ids'), ...loadIds('spdx-license-ids/deprecated.json')];

const idsByLowerCase: ReadonlyMap<string, string> = new Map([...spdxLicenseIds].reverse().map((id) => [id.toLowerCase(), id]));
const listIds: ReadonlySet<string> = new Set(spdxLicenseIds);

type Node = parseSpdx.Info;

function render(node: Node, refs: string[], nested: boolean): string {
  if ('conjunction' in node) {
    const text = `${render(node.left, refs, true)} ${node.conjunction.toUpperCase()} ${render(node.right, refs, true)}`;
    return nested ? `(${text})` : text;
  }
  if (node.license.startsWith('LicenseRef-')) refs.push(node.license);
  const base = `${node.license}${node.plus ? '+' : ''}`;
  return node.exception ? `${base} WITH ${node.exception}` : base;
}

function tryParse(text: string): Node | undefined {
  try {
    return parseSpdx(text);
  } catch {
    return undefined;
  }
}

/**
 * Case-insensitive second chance: catalogers often report "mit", "apache-2.0" or "MIT or GPL-2.0".
 * Only list ids and the three operators are re-cased; anything unknown stays as it was and fails.
 */
function recase(text: string): string {
  return text.replace(/[A-Za-z0-9.+-]+/g, (token) => {
    const lower = token.toLowerCase();
    if (lower === 'and' || lower === 'or' || lower === 'with') return lower.toUpperCase();
    const plus = lower.endsWith('+') ? '+' : '';
    const id = idsByLowerCase.get(plus ? lower.slice(0, -1) : lower);
    return id ? `${id}${plus}` : token;
  });
}

// The same few licence strings repeat across thousands of packages; parsing each once is enough.
const cache = new Map<string, LicenseClass>();
const MAX_CACHED = 10_000;

export function classifyLicense(raw: string): LicenseClass {
  const hit = cache.get(raw);
  if (hit) return hit;
  const result = classify(raw);
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(raw, result);
  return result;
}

function classify(raw: string): LicenseClass {
  const text = raw.trim();
  if (text === '' || text.length > MAX_EXPRESSION_CHARS) return { kind: 'text', text };
  const node = tryParse(text) ?? tryParse(recase(text));
  // DocumentRef-… points into another SPDX document we cannot carry along; keep it as text.
  if (!node || JSON.stringify(node).includes('DocumentRef-')) return { kind: 'text', text };
  const licenseRefs: string[] = [];
  const expression = render(node, licenseRefs, false);
  const id = !('conjunction' in node) && !node.plus && !node.exception && listIds.has(node.license) ? node.license : undefined;
  return id ? { kind: 'spdx', expression, id, licenseRefs } : { kind: 'spdx', expression, licenseRefs };
}

/** Parenthesises a compound expression so it can be AND-ed with others. */
export function asOperand(expression: string): string {
  return /\s(AND|OR)\s/.test(expression) ? `(${expression})` : expression;
}

/**
 * Allocates `LicenseRef-<idstring>` ids for free-text licences within one document: valid id characters
 * only, stable per text, and never the same id for two different texts.
 */
export class LicenseRefAllocator {
  readonly #byText = new Map<string, string>();
  readonly #used = new Set<string>();

  refFor(text: string): string {
    const known = this.#byText.get(text);
    if (known) return known;
    const slug = text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
    let ref = `LicenseRef-${slug || 'unnamed'}`;
    if (this.#used.has(ref) || ref === 'LicenseRef-unnamed') {
      ref = `${ref}-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
    }
    this.#byText.set(text, ref);
    this.#used.add(ref);
    return ref;
  }

  /** Texts that got a ref, in allocation order. */
  entries(): [text: string, ref: string][] {
    return [...this.#byText.entries()];
  }

  /** Marks a ref that already appears in a valid input expression, so no free text is given the same id. */
  reserve(ref: string): void {
    this.#used.add(ref);
  }
}
