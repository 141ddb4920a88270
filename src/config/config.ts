/**
 * Step two of configuration: raw strings → one typed `Config` made of discriminated unions.
 * Every problem is collected (never the first one only) so `serve` can list them all and exit 2.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawSettings } from './env.js';
import { envName } from './env.js';

export type DatabaseConfig =
  | { readonly driver: 'sqlite'; readonly path: string }
  | { readonly driver: 'postgres'; readonly url: string };

export type StorageConfig =
  | { readonly driver: 'fs'; readonly root: string }
  | {
      readonly driver: 's3';
      readonly bucket: string;
      readonly prefix: string;
      readonly endpoint: string | undefined;
      readonly region: string | undefined;
      /** Blob GETs answer 307 to a presigned URL valid this many seconds; 0 = the server streams blobs itself. */
      readonly redirectSeconds: number;
    };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface Config {
  readonly listen: { readonly host: string; readonly port: number };
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly storage: StorageConfig;
  /** Base URL clients reach us at, without trailing slash; `undefined` → derived from each request. */
  readonly publicUrl: string | undefined;
  readonly logLevel: LogLevel;
  readonly registry: {
    /** Whether DELETE of manifests, tags and blobs is allowed (405 UNSUPPORTED otherwise). */
    readonly deleteEnabled: boolean;
    /** Upload sessions untouched for longer than this are purged. */
    readonly uploadPurgeAgeSeconds: number;
    readonly maxManifestBytes: number;
  };
  readonly gc: {
    /** Blobs and untagged manifests younger than this are never collected (protects in-flight pushes). */
    readonly graceSeconds: number;
    /** How often serve runs garbage collection (once per interval across all processes); 0 = never. */
    readonly intervalSeconds: number;
  };
  readonly analysis: {
    /** Uncompressed bytes over all layers of one image; larger images end in status failed. */
    readonly maxImageBytes: number;
    /** Wall-clock budget per image. */
    readonly timeBudgetSeconds: number;
    /** Analysis jobs one worker process runs at once. */
    readonly concurrency: number;
    /** Bound of the per-layer extract cache under <data>/layer-cache. */
    readonly layerCacheBytes: number;
  };
  readonly auth: {
    /** Password of the `admin` user created on first start; generated and printed once when unset. */
    readonly adminPassword: string | undefined;
    /**
     * An operator-managed file holding the signing key of registry bearer tokens. Unset: the key is
     * generated on first start, kept in `dataKeyFile` and shared with the other processes of the
     * installation through the database.
     */
    readonly keyFile: string | undefined;
    readonly dataKeyFile: string;
    readonly tokenLifetimeSeconds: number;
  };
  readonly vulndb: {
    /** How often workers pull the configured feeds; 0 = never (offline installs use importDir or `db import`). */
    readonly updateIntervalSeconds: number;
    /** Files and folders dropped here are imported by the workers, then moved to done/ or failed/. */
    readonly importDir: string;
  };
}

export type ConfigResult = { readonly ok: true; readonly config: Config } | { readonly ok: false; readonly problems: readonly string[] };

export const DEFAULTS = {
  listen: '127.0.0.1:5000',
  data: './data',
  logLevel: 'info',
  uploadPurgeAge: '24h',
  gcGrace: '1h',
  gcInterval: 'off',
  analysisMaxBytes: String(10 * 1024 ** 3),
  analysisTimeout: '10m',
  analysisConcurrency: '2',
  layerCacheBytes: String(2 * 1024 ** 3),
} as const;

/** A positive integer (bytes, counts); `undefined` when malformed. */
function parsePositiveInt(value: string): number | undefined {
  const m = /^(\d+)\s*(k|m|g|ki|mi|gi)?b?$/i.exec(value.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  const factor = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('g') ? 1024 ** 3 : 1;
  const n = Number(m[1]) * factor;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Parses "90", "90s", "15m", "24h", "7d" into seconds; `undefined` when malformed. */
export function parseDuration(value: string): number | undefined {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = unit === 's' ? 1 : unit === 'm' ? 60 : unit === 'h' ? 3600 : 86400;
  return n * factor;
}

function parseBool(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  return undefined;
}

function parseListen(value: string, problems: string[]): Config['listen'] {
  // IPv6 hosts are written in brackets: [::1]:5000
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) {
    problems.push(`listen: "${value}" is not HOST:PORT (${envName('listen')} / --listen)`);
    return { host: '127.0.0.1', port: 5000 };
  }
  return { host: m[1] ?? (m[2] === '' ? '0.0.0.0' : (m[2] ?? '127.0.0.1')), port };
}

function localPath(rest: string, scheme: string): string {
  // Accept both "sqlite:/abs/path" / "sqlite:rel/path" and "sqlite:///abs/path" (URL form).
  if (rest.startsWith('//')) return fileURLToPath(`file:${rest}`);
  return isAbsolute(rest) ? rest : resolve(rest || `.${scheme}`);
}

function parseDatabase(value: string, problems: string[]): DatabaseConfig {
  if (value.startsWith('sqlite:')) {
    const rest = value.slice('sqlite:'.length);
    if (rest === '') {
      problems.push(`database: "${value}" has no path (${envName('database')} / --database)`);
      return { driver: 'sqlite', path: ':memory:' };
    }
    if (rest === ':memory:') return { driver: 'sqlite', path: ':memory:' };
    return { driver: 'sqlite', path: localPath(rest, 'sqlite') };
  }
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) {
    try {
      const u = new URL(value);
      if (!u.hostname) throw new Error('no host');
    } catch {
      problems.push(`database: "${redactUrl(value)}" is not a valid postgres:// URL`);
    }
    return { driver: 'postgres', url: value };
  }
  problems.push(`database: "${redactUrl(value)}" must start with sqlite: or postgres:// (${envName('database')} / --database)`);
  return { driver: 'sqlite', path: ':memory:' };
}

function parseStorage(value: string, problems: string[]): StorageConfig {
  if (value.startsWith('file:')) {
    const rest = value.slice('file:'.length);
    if (rest === '') {
      problems.push(`storage: "${value}" has no path (${envName('storage')} / --storage)`);
      return { driver: 'fs', root: resolve('blobs') };
    }
    return { driver: 'fs', root: localPath(rest, 'file') };
  }
  if (value.startsWith('s3://')) {
    let u: URL | undefined;
    try {
      u = new URL(value);
    } catch {
      u = undefined;
    }
    if (!u || !u.hostname) {
      problems.push(`storage: "${value}" is not a valid s3://bucket/prefix URL`);
      return { driver: 's3', bucket: '', prefix: '', endpoint: undefined, region: undefined, redirectSeconds: 0 };
    }
    const endpoint = u.searchParams.get('endpoint') ?? undefined;
    if (endpoint !== undefined) {
      try {
        new URL(endpoint);
      } catch {
        problems.push(`storage: endpoint "${endpoint}" is not a URL`);
      }
    }
    // `redirect=true` (20 minutes) or `redirect=<duration>`: presigned blob GETs straight from the bucket.
    const redirect = u.searchParams.get('redirect');
    let redirectSeconds = 0;
    if (redirect !== null) {
      const flag = parseBool(redirect);
      const seconds = flag === undefined ? parseDuration(redirect) : flag ? 1200 : 0;
      if (seconds === undefined || seconds > 7 * 86400) problems.push(`storage: redirect "${redirect}" is not true/false or a duration up to 7d`);
      else redirectSeconds = seconds;
    }
    return {
      driver: 's3',
      bucket: u.hostname,
      prefix: u.pathname.replace(/^\/+|\/+$/g, ''),
      endpoint,
      region: u.searchParams.get('region') ?? undefined,
      redirectSeconds,
    };
  }
  problems.push(`storage: "${value}" must start with file: or s3:// (${envName('storage')} / --storage)`);
  return { driver: 'fs', root: resolve('blobs') };
}

/** Hides a password embedded in a URL before it reaches a message or a log. */
export function redactUrl(value: string): string {
  return value.replace(/\/\/([^:/@]+):([^@/]*)@/, '//$1:***@');
}

/** Builds the typed configuration; relative paths resolve against the current directory. */
export function toConfig(raw: RawSettings): ConfigResult {
  const problems: string[] = [];
  const listen = parseListen(raw.listen ?? DEFAULTS.listen, problems);
  const dataDir = resolve(raw.data ?? DEFAULTS.data);
  const database = parseDatabase(raw.database ?? `sqlite:${resolve(dataDir, 'crowsnest.db')}`, problems);
  const storage = parseStorage(raw.storage ?? `file:${resolve(dataDir, 'blobs')}`, problems);

  let publicUrl: string | undefined;
  if (raw.publicUrl !== undefined) {
    try {
      const u = new URL(raw.publicUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      publicUrl = u.toString().replace(/\/+$/, '');
    } catch {
      problems.push(`public-url: "${raw.publicUrl}" is not an http(s) URL (${envName('publicUrl')} / --public-url)`);
    }
  }

  const logLevel = (raw.logLevel ?? DEFAULTS.logLevel) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`log-level: "${raw.logLevel ?? ''}" must be one of ${LOG_LEVELS.join(', ')} (${envName('logLevel')})`);
  }

  let deleteEnabled = true;
  if (raw.deleteEnabled !== undefined) {
    const b = parseBool(raw.deleteEnabled);
    if (b === undefined) problems.push(`delete-enabled: "${raw.deleteEnabled}" is not true/false (${envName('deleteEnabled')})`);
    else deleteEnabled = b;
  }

  const purge = parseDuration(raw.uploadPurgeAge ?? DEFAULTS.uploadPurgeAge);
  if (purge === undefined || purge <= 0) {
    problems.push(`upload-purge-age: "${raw.uploadPurgeAge ?? ''}" is not a positive duration like 24h (${envName('uploadPurgeAge')})`);
  }
  const grace = parseDuration(raw.gcGrace ?? DEFAULTS.gcGrace);
  if (grace === undefined) {
    problems.push(`gc-grace: "${raw.gcGrace ?? ''}" is not a duration like 1h (${envName('gcGrace')})`);
  }
  const gcIntervalRaw = (raw.gcInterval ?? DEFAULTS.gcInterval).trim().toLowerCase();
  const gcInterval = gcIntervalRaw === 'off' ? 0 : parseDuration(gcIntervalRaw);
  if (gcInterval === undefined) {
    problems.push(`gc-interval: "${raw.gcInterval ?? ''}" is not a duration like 24h or off (${envName('gcInterval')})`);
  }

  const maxImageBytes = parsePositiveInt(raw.analysisMaxBytes ?? DEFAULTS.analysisMaxBytes);
  if (maxImageBytes === undefined) problems.push(`analysis-max-bytes: "${raw.analysisMaxBytes ?? ''}" is not a size like 10g (${envName('analysisMaxBytes')})`);
  const timeBudget = parseDuration(raw.analysisTimeout ?? DEFAULTS.analysisTimeout);
  if (timeBudget === undefined || timeBudget <= 0) problems.push(`analysis-timeout: "${raw.analysisTimeout ?? ''}" is not a positive duration like 10m (${envName('analysisTimeout')})`);
  const concurrency = parsePositiveInt(raw.analysisConcurrency ?? DEFAULTS.analysisConcurrency);
  if (concurrency === undefined) problems.push(`analysis-concurrency: "${raw.analysisConcurrency ?? ''}" is not a positive integer (${envName('analysisConcurrency')})`);
  const layerCacheBytes = parsePositiveInt(raw.layerCacheBytes ?? DEFAULTS.layerCacheBytes);
  if (layerCacheBytes === undefined) problems.push(`layer-cache-bytes: "${raw.layerCacheBytes ?? ''}" is not a size like 2g (${envName('layerCacheBytes')})`);
  const lifetime = parseDuration(raw.tokenLifetime ?? '15m');
  if (lifetime === undefined || lifetime <= 0) {
    problems.push(`token-lifetime: "${raw.tokenLifetime ?? ''}" is not a positive duration like 15m (${envName('tokenLifetime')})`);
  }

  const updateRaw = (raw.vulndbUpdateInterval ?? '6h').trim().toLowerCase();
  const updateInterval = updateRaw === 'off' ? 0 : parseDuration(updateRaw);
  if (updateInterval === undefined || (updateInterval > 0 && updateInterval < 60)) {
    problems.push(`vulndb-update-interval: "${raw.vulndbUpdateInterval ?? ''}" is not off or a duration of at least 1m like 6h (${envName('vulndbUpdateInterval')})`);
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    config: {
      listen,
      dataDir,
      database,
      storage,
      publicUrl,
      logLevel,
      registry: { deleteEnabled, uploadPurgeAgeSeconds: purge ?? 86400, maxManifestBytes: MAX_MANIFEST_BYTES },
      gc: { graceSeconds: grace ?? 3600, intervalSeconds: gcInterval ?? 0 },
      analysis: {
        maxImageBytes: maxImageBytes ?? 10 * 1024 ** 3,
        timeBudgetSeconds: timeBudget ?? 600,
        concurrency: concurrency ?? 2,
        layerCacheBytes: layerCacheBytes ?? 2 * 1024 ** 3,
      },
      auth: {
        adminPassword: raw.adminPassword,
        keyFile: raw.authKeyFile !== undefined ? resolve(raw.authKeyFile) : undefined,
        dataKeyFile: resolve(dataDir, 'auth-token.key'),
        tokenLifetimeSeconds: lifetime ?? 900,
      },
      vulndb: {
        updateIntervalSeconds: updateInterval ?? 0,
        importDir: resolve(raw.vulndbImportDir ?? resolve(dataDir, 'vulndb-import')),
      },
    },
  };
}

