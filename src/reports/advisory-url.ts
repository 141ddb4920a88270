/** A human page for an advisory id: the issuer's own page where one exists, else osv.dev. */

export function advisoryUrl(id: string, source?: string): string {
  const enc = encodeURIComponent(id);
  if (source === 'debian' && id.startsWith('CVE-')) return `https://security-tracker.debian.org/tracker/${enc}`;
  if (id.startsWith('CVE-')) return `https://nvd.nist.gov/vuln/detail/${enc}`;
  if (id.startsWith('GHSA-')) return `https://github.com/advisories/${enc}`;
  if (id.startsWith('GO-')) return `https://pkg.go.dev/vuln/${enc}`;
  if (id.startsWith('RUSTSEC-')) return `https://rustsec.org/advisories/${enc}.html`;
  if (/^(DSA|DLA)-/.test(id)) return `https://security-tracker.debian.org/tracker/${enc}`;
  if (id.startsWith('USN-')) return `https://ubuntu.com/security/notices/${enc}`;
  return `https://osv.dev/vulnerability/${enc}`;
}
