/**
 * Language runtimes installed outside any package manager (official images build them from source
 * into /usr/local or unpack a release into /opt), recognized by a file each release ships with its
 * exact version: a header, a release file, a toolchain manifest or a version string inside the binary.
 * Files in the distro's own locations are left to the OS catalogers.
 */
import type { FileEntryInfo } from '../../cataloger.js';

export interface RuntimeVersion {
  /** GitHub owner/repository the runtime is released from (its `pkg:github` identity). */
  readonly owner: string;
  readonly repo: string;
  readonly version: string;
}

interface RuntimeRule {
  readonly owner: string;
  readonly repo: string;
  /** Largest file worth keeping for this rule. */
  readonly maxBytes: number;
  matches(entry: FileEntryInfo): boolean;
  version(bytes: Uint8Array): string | undefined;
}

/** Where distro packages install; a runtime found only there is an OS package, not a hand install. */
const DISTRO_LOCATION = /^\/(?:usr\/(?:include|lib|lib64|libexec|share|bin|sbin)|bin|sbin|lib|lib64)\//;

const MiB = 1024 * 1024;

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** The string value of `#define NAME "value"` in a C header. */
function cDefine(text: string, name: string): string | undefined {
  return new RegExp(`^#\\s*define\\s+${name}\\s+"([^"\\n]{1,40})"`, 'm').exec(text)?.[1];
}

function cDefineNumber(text: string, name: string): string | undefined {
  return new RegExp(`^#\\s*define\\s+${name}\\s+(\\d{1,6})\\b`, 'm').exec(text)?.[1];
}

/** `KEY="value"` lines of a JDK `release` file. */
function releaseField(text: string, key: string): string | undefined {
  return new RegExp(`^${key}="([^"\\n]{0,200})"`, 'm').exec(text)?.[1];
}

/** Vendors whose JDK builds are distro packages (their `release` says so in IMPLEMENTOR). */
const DISTRO_JDK_IMPLEMENTORS = /^(?:Debian|Ubuntu|Red Hat|Alpine|SUSE|Fedora|Arch Linux|Wolfi|Chainguard)\b/i;

const versionLike = (v: string | undefined): string | undefined => (v !== undefined && /^\d+(?:\.\d+)*(?:[-+.][\w.+-]*)?$/.test(v) ? v : undefined);

const handInstalled = (entry: FileEntryInfo): boolean => !DISTRO_LOCATION.test(entry.path);

const RULES: readonly RuntimeRule[] = [
  {
    owner: 'nodejs',
    repo: 'node',
    maxBytes: 256 * MiB,
    // Official images copy the release tarball's bin/node to /usr/local/bin; it is large (> 1 MiB).
    matches: (e) => /\/node$/.test(e.path) && (e.mode & 0o111) !== 0 && e.size > MiB && handInstalled(e),
    version(bytes) {
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const marker = Buffer.from('https://nodejs.org/download/release/v', 'latin1');
      const at = buf.indexOf(marker);
      if (at < 0) return undefined;
      return /^(\d+\.\d+\.\d+)\//.exec(buf.toString('latin1', at + marker.length, at + marker.length + 24))?.[1];
    },
  },
  {
    owner: 'nodejs',
    repo: 'node',
    maxBytes: 64 * 1024,
    matches: (e) => e.path.endsWith('/include/node/node_version.h') && handInstalled(e),
    version(bytes) {
      const text = latin1(bytes);
      const parts = ['NODE_MAJOR_VERSION', 'NODE_MINOR_VERSION', 'NODE_PATCH_VERSION'].map((n) => cDefineNumber(text, n));
      return parts.every((p) => p !== undefined) ? parts.join('.') : undefined;
    },
  },
  {
    owner: 'python',
    repo: 'cpython',
    maxBytes: 64 * 1024,
    matches: (e) => /\/include\/python\d+\.\d+t?\/patchlevel\.h$/.test(e.path) && handInstalled(e),
    version: (bytes) => versionLike(cDefine(latin1(bytes), 'PY_VERSION')),
  },
  {
    owner: 'openjdk',
    repo: 'jdk',
    maxBytes: 64 * 1024,
    // A JDK/JRE image's `release` file; distro JDKs live there too, so the vendor decides (below).
    matches: (e) => /\/[^/]+\/release$/.test(e.path) && !e.path.startsWith('/etc/') && e.size < 64 * 1024,
    version(bytes) {
      const text = latin1(bytes);
      const implementor = releaseField(text, 'IMPLEMENTOR');
      if (implementor !== undefined && DISTRO_JDK_IMPLEMENTORS.test(implementor)) return undefined;
      return versionLike(releaseField(text, 'JAVA_VERSION'));
    },
  },
  {
    owner: 'golang',
    repo: 'go',
    maxBytes: 4 * 1024,
    matches: (e) => e.path.endsWith('/go/VERSION') && handInstalled(e),
    version: (bytes) => versionLike(/^go(\d[\w.]*)/.exec(latin1(bytes))?.[1]),
  },
  {
    owner: 'ruby',
    repo: 'ruby',
    maxBytes: 64 * MiB,
    // The interpreter's description ("ruby 3.3.0p0 (2023-12-25 revision …)") is compiled into libruby
    // (or a statically linked ruby binary).
    matches: (e) => (/\/libruby(?:-[\d.]+)?\.so(?:\.[\d.]+)?$/.test(e.path) || /\/ruby$/.test(e.path)) && (e.mode & 0o111) !== 0 && handInstalled(e),
    version: (bytes) => /ruby (\d+\.\d+\.\d+)(?:p\d+)? \(\d{4}-\d\d-\d\d/.exec(latin1(bytes))?.[1],
  },
  {
    owner: 'php',
    repo: 'php-src',
    maxBytes: 64 * 1024,
    matches: (e) => e.path.endsWith('/include/php/main/php_version.h') && handInstalled(e),
    version: (bytes) => versionLike(cDefine(latin1(bytes), 'PHP_VERSION')),
  },
  {
    owner: 'rust-lang',
    repo: 'rust',
    maxBytes: 4 * MiB,
    // rustup keeps each installed toolchain's channel manifest; its [pkg.rustc] version is the toolchain's.
    matches: (e) => e.path.endsWith('/lib/rustlib/multirust-channel-manifest.toml') && handInstalled(e),
    version(bytes) {
      const text = latin1(bytes);
      const section = text.indexOf('\n[pkg.rustc]\n');
      if (section < 0) return undefined;
      return versionLike(/^version = "([^ "]+)/m.exec(text.slice(section, section + 400))?.[1]);
    },
  },
];

export const RUNTIME_MAX_BYTES = Math.max(...RULES.map((r) => r.maxBytes));

export function selectsRuntimeFile(entry: FileEntryInfo): boolean {
  return RULES.some((r) => entry.size <= r.maxBytes && r.matches(entry));
}

/** The runtime versions a selected file states (usually none or one). */
export function runtimeVersions(entry: FileEntryInfo, bytes: Uint8Array): RuntimeVersion[] {
  const out: RuntimeVersion[] = [];
  for (const rule of RULES) {
    if (entry.size > rule.maxBytes || !rule.matches(entry)) continue;
    const version = rule.version(bytes);
    if (version !== undefined) out.push({ owner: rule.owner, repo: rule.repo, version });
  }
  return out;
}
