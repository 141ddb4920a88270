/**
 * Alias unification: every id an advisory is known by (CVE, GHSA, GO, PYSEC, RUSTSEC, DSA, USN …) joins
 * one vulnerability. Union-find over (record id, its aliases), except that two different CVEs are never
 * merged (a record listing several CVEs covers several vulnerabilities). The canonical id is the CVE
 * when one is known, else the GHSA, else the smallest id.
 */

const isCve = (id: string) => id.startsWith('CVE-');

function preference(id: string): number {
  if (isCve(id)) return 0;
  if (id.startsWith('GHSA-')) return 1;
  return 2;
}

export function preferredId(a: string, b: string): string {
  const pa = preference(a);
  const pb = preference(b);
  if (pa !== pb) return pa < pb ? a : b;
  return a <= b ? a : b;
}

/** alias → canonical id for every id seen in `records`. */
export function unifyAliases(records: Iterable<{ readonly id: string; readonly aliases: readonly string[] }>): Map<string, string> {
  const parent = new Map<string, string>();
  const cveOf = new Map<string, string | undefined>();
  const find = (x: string): string => {
    let root = x;
    for (let p = parent.get(root); p !== undefined && p !== root; p = parent.get(root)) root = p;
    for (let cur = x; cur !== root; ) {
      const next = parent.get(cur) ?? root;
      parent.set(cur, root);
      cur = next;
    }
    return root;
  };
  const add = (x: string) => {
    if (!parent.has(x)) {
      parent.set(x, x);
      cveOf.set(x, isCve(x) ? x : undefined);
    }
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra === rb) return;
    const ca = cveOf.get(ra);
    const cb = cveOf.get(rb);
    if (ca !== undefined && cb !== undefined && ca !== cb) return;
    parent.set(rb, ra);
    cveOf.set(ra, ca ?? cb);
  };
  for (const r of records) {
    add(r.id);
    // Prefer joining the record's own CVE first, so that with several CVE aliases the first wins.
    for (const a of r.aliases) {
      add(a);
      union(r.id, a);
    }
  }
  const canonical = new Map<string, string>();
  for (const id of parent.keys()) {
    const root = find(id);
    const cur = canonical.get(root);
    canonical.set(root, cur === undefined ? id : preferredId(cur, id));
  }
  const out = new Map<string, string>();
  for (const id of parent.keys()) out.set(id, canonical.get(find(id)) ?? id);
  return out;
}
