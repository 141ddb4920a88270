/**
 * Parser for os-release(5) files: KEY=value lines, values optionally in single or double quotes
 * with backslash escapes, comments and blank lines ignored. Lines that are not assignments (junk,
 * binary garbage) are skipped; input is capped so a hostile file cannot cost more than a few KiB.
 */

export const OS_RELEASE_MAX_BYTES = 64 * 1024;
const MAX_KEYS = 256;

export function parseOsRelease(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.slice(0, OS_RELEASE_MAX_BYTES).split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    out.set(m[1], unquote(m[2]));
    if (out.size >= MAX_KEYS) break;
  }
  return out;
}

function unquote(value: string): string {
  const v = value.trim();
  const quote = v[0];
  if ((quote === '"' || quote === "'") && v.length >= 2 && v.endsWith(quote)) {
    const inner = v.slice(1, -1);
    return quote === '"' ? inner.replace(/\\(["\\`$])/g, '$1') : inner;
  }
  return v;
}
