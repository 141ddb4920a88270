/**
 * Licences from a Debian copyright file: the `License:` short names of a machine-readable
 * (DEP-5) file, else references to /usr/share/common-licenses/<NAME> in free text. Debian's
 * short names are mapped to SPDX ids where the meaning is exact (GPL-2 → GPL-2.0-only,
 * GPL-2+ → GPL-2.0-or-later); unknown names are kept as written.
 */

const DEBIAN_TO_SPDX: Readonly<Record<string, string>> = {
  'gpl-1': 'GPL-1.0-only', 'gpl-1+': 'GPL-1.0-or-later',
  'gpl-2': 'GPL-2.0-only', 'gpl-2+': 'GPL-2.0-or-later', 'gpl-2.0': 'GPL-2.0-only', 'gpl-2.0+': 'GPL-2.0-or-later',
  'gpl-3': 'GPL-3.0-only', 'gpl-3+': 'GPL-3.0-or-later', 'gpl-3.0': 'GPL-3.0-only', 'gpl-3.0+': 'GPL-3.0-or-later',
  'lgpl-2': 'LGPL-2.0-only', 'lgpl-2+': 'LGPL-2.0-or-later',
  'lgpl-2.1': 'LGPL-2.1-only', 'lgpl-2.1+': 'LGPL-2.1-or-later',
  'lgpl-3': 'LGPL-3.0-only', 'lgpl-3+': 'LGPL-3.0-or-later',
  'agpl-3': 'AGPL-3.0-only', 'agpl-3+': 'AGPL-3.0-or-later',
  'gfdl-1.2': 'GFDL-1.2-only', 'gfdl-1.2+': 'GFDL-1.2-or-later', 'gfdl-1.3': 'GFDL-1.3-only', 'gfdl-1.3+': 'GFDL-1.3-or-later',
  'apache-2.0': 'Apache-2.0', 'apache-2': 'Apache-2.0',
  'bsd-2-clause': 'BSD-2-Clause', 'bsd-3-clause': 'BSD-3-Clause', 'bsd-4-clause': 'BSD-4-Clause',
  expat: 'MIT', mit: 'MIT', isc: 'ISC', zlib: 'Zlib', 'mpl-1.1': 'MPL-1.1', 'mpl-2.0': 'MPL-2.0',
  'artistic-2.0': 'Artistic-2.0', 'cc0-1.0': 'CC0-1.0', 'psf-2': 'PSF-2.0', 'python-2.0': 'Python-2.0',
  'openssl': 'OpenSSL', 'curl': 'curl', 'ssleay': 'SSLeay', 'ftl': 'FTL', 'unicode-dfs-2016': 'Unicode-DFS-2016',
};

export const COPYRIGHT_MAX_BYTES = 512 * 1024;

function normalize(name: string): string {
  return DEBIAN_TO_SPDX[name.toLowerCase()] ?? name;
}

export function licensesFromCopyright(text: string): string[] {
  const found = new Set<string>();
  const body = text.slice(0, COPYRIGHT_MAX_BYTES);
  for (const m of body.matchAll(/^License:[ \t]*(\S[^\n]*)$/gim)) {
    // "License: GPL-2+ or Artistic" lists several; each alternative is a licence of the package.
    for (const part of (m[1] ?? '').split(/\s+(?:or|and)\s+|,\s*/i)) {
      const name = part.trim().replace(/[,;]$/, '');
      if (name !== '' && !/\s/.test(name)) found.add(normalize(name));
    }
  }
  if (found.size === 0) {
    for (const m of body.matchAll(/\/usr\/share\/common-licenses\/([A-Za-z0-9.+-]+)/g)) {
      const name = (m[1] ?? '').replace(/\.$/, '');
      if (name !== '') found.add(normalize(name));
    }
  }
  return [...found].sort();
}
