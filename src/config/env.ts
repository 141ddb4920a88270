/**
 * Step one of configuration: the raw environment. This is the ONLY module that reads
 * `process.env`; everything it returns is an optional string, validated later by config.ts.
 */

/** Raw settings, every field optional and unvalidated. Flags and env share this shape. */
export interface RawSettings {
  listen?: string;
  data?: string;
  database?: string;
  storage?: string;
  publicUrl?: string;
  logLevel?: string;
  deleteEnabled?: string;
  uploadPurgeAge?: string;
  gcGrace?: string;
  gcInterval?: string;
  analysisMaxBytes?: string;
  analysisTimeout?: string;
  analysisConcurrency?: string;
  layerCacheBytes?: string;
  adminPassword?: string;
  authKeyFile?: string;
  tokenLifetime?: string;
  vulndbUpdateInterval?: string;
  vulndbImportDir?: string;
}

const ENV_NAMES: Record<keyof RawSettings, string> = {
  listen: 'CROWSNEST_LISTEN',
  data: 'CROWSNEST_DATA',
  database: 'CROWSNEST_DATABASE_URL',
  storage: 'CROWSNEST_STORAGE',
  publicUrl: 'CROWSNEST_PUBLIC_URL',
  logLevel: 'CROWSNEST_LOG_LEVEL',
  deleteEnabled: 'CROWSNEST_DELETE_ENABLED',
  uploadPurgeAge: 'CROWSNEST_UPLOAD_PURGE_AGE',
  gcGrace: 'CROWSNEST_GC_GRACE',
  gcInterval: 'CROWSNEST_GC_INTERVAL',
  analysisMaxBytes: 'CROWSNEST_ANALYSIS_MAX_BYTES',
  analysisTimeout: 'CROWSNEST_ANALYSIS_TIMEOUT',
  analysisConcurrency: 'CROWSNEST_ANALYSIS_CONCURRENCY',
  layerCacheBytes: 'CROWSNEST_LAYER_CACHE_BYTES',
  adminPassword: 'CROWSNEST_ADMIN_PASSWORD',
  authKeyFile: 'CROWSNEST_AUTH_KEY_FILE',
  tokenLifetime: 'CROWSNEST_TOKEN_LIFETIME',
  vulndbUpdateInterval: 'CROWSNEST_VULNDB_UPDATE_INTERVAL',
  vulndbImportDir: 'CROWSNEST_VULNDB_IMPORT_DIR',
};

/** The environment variable that feeds each raw setting (for help texts and error messages). */
export function envName(key: keyof RawSettings): string {
  return ENV_NAMES[key];
}

/** Reads the Crowsnest variables from `env` (default: the process environment). Empty strings count as unset. */
export function readEnv(env: Readonly<Record<string, string | undefined>> = process.env): RawSettings {
  const out: RawSettings = {};
  for (const key of Object.keys(ENV_NAMES) as (keyof RawSettings)[]) {
    const value = env[ENV_NAMES[key]];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

/** Flags win over the environment; unset flags fall through. */
export function mergeSettings(env: RawSettings, flags: RawSettings): RawSettings {
  const out: RawSettings = { ...env };
  for (const key of Object.keys(flags) as (keyof RawSettings)[]) {
    const value = flags[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
