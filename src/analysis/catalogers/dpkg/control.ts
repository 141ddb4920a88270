/**
 * Parser for Debian control-format databases (dpkg's status file, distroless status.d entries,
 * opkg's status): blank-line separated stanzas of `Field: value` with indented continuation lines.
 * Field names are case-insensitive (stored lower-case). Bounded: at most MAX_STANZAS stanzas and
 * MAX_FIELD_BYTES per field; anything beyond is dropped and reported by the caller.
 */

export type Stanza = ReadonlyMap<string, string>;

export const MAX_STANZAS = 100_000;
const MAX_FIELD_BYTES = 1024 * 1024;

export interface ControlParse {
  readonly stanzas: Stanza[];
  /** Lines that were neither a field nor a continuation (corruption), counted for an issue. */
  readonly badLines: number;
  readonly truncated: boolean;
}

export function parseControl(text: string): ControlParse {
  const stanzas: Stanza[] = [];
  let current = new Map<string, string>();
  let last: string | undefined;
  let badLines = 0;
  let truncated = false;
  const flush = () => {
    if (current.size > 0) stanzas.push(current);
    current = new Map<string, string>();
    last = undefined;
  };
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') {
      flush();
      if (stanzas.length >= MAX_STANZAS) {
        truncated = true;
        break;
      }
      continue;
    }
    if (line[0] === ' ' || line[0] === '\t') {
      if (last === undefined) {
        badLines++;
        continue;
      }
      const prev = current.get(last) ?? '';
      if (prev.length < MAX_FIELD_BYTES) current.set(last, `${prev}\n${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      badLines++;
      continue;
    }
    last = line.slice(0, colon).trim().toLowerCase();
    current.set(last, line.slice(colon + 1).trim().slice(0, MAX_FIELD_BYTES));
  }
  flush();
  return { stanzas, badLines, truncated };
}

/** `Source: name (version)` → name and optional version. */
export function parseSourceField(value: string | undefined): { name: string; version?: string } | undefined {
  const m = /^\s*(\S+)(?:\s+\(([^)]+)\))?/.exec(value ?? '');
  if (!m?.[1]) return undefined;
  return m[2] ? { name: m[1], version: m[2].trim() } : { name: m[1] };
}

/** Package names from a Depends/Pre-Depends field: alternatives flattened, versions and arch qualifiers dropped. */
export function dependencyNames(value: string | undefined): string[] {
  if (!value) return [];
  const out: string[] = [];
  for (const clause of value.split(',')) {
    for (const alt of clause.split('|')) {
      const name = /^\s*([a-z0-9][a-z0-9+.-]*)/i.exec(alt)?.[1];
      if (name) out.push(name.toLowerCase());
    }
  }
  return out;
}
