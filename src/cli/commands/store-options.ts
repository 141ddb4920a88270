/**
 * The --data/--database/--storage (and friends) flags every command that touches an
 * installation shares, and their translation into a validated Config (problems → exit 2).
 */
import type { Command } from 'commander';
import { toConfig, type Config } from '../../config/config.js';
import { mergeSettings, readEnv, type RawSettings } from '../../config/env.js';

export function addStoreOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'data directory (env CROWSNEST_DATA, default ./data)')
    .option('--database <url>', 'sqlite:PATH or postgres://… (env CROWSNEST_DATABASE_URL, default sqlite:<data>/crowsnest.db)')
    .option('--storage <url>', 'file:PATH or s3://bucket/prefix?endpoint=… (env CROWSNEST_STORAGE, default file:<data>/blobs)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env CROWSNEST_LOG_LEVEL, default info)');
}

/** Flag values as raw settings (unset flags stay unset so the environment shows through). */
export function flagSettings(opts: Record<string, unknown>): RawSettings {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const out: RawSettings = {};
  const map: [keyof RawSettings, string][] = [
    ['listen', 'listen'],
    ['data', 'data'],
    ['database', 'database'],
    ['storage', 'storage'],
    ['publicUrl', 'publicUrl'],
    ['logLevel', 'logLevel'],
    ['uploadPurgeAge', 'uploadPurgeAge'],
    ['gcGrace', 'grace'],
  ];
  for (const [key, flag] of map) {
    const v = str(opts[flag]);
    if (v !== undefined) out[key] = v;
  }
  // commander's --no-delete sets delete=false; the default (true) must not override the env.
  if (opts.delete === false) out.deleteEnabled = 'false';
  return out;
}

/** Config from environment + flags, or the list of problems printed to stderr. */
export function resolveConfig(opts: Record<string, unknown>): Config | undefined {
  const result = toConfig(mergeSettings(readEnv(), flagSettings(opts)));
  if (result.ok) return result.config;
  process.stderr.write(`crowsnest: invalid configuration:\n${result.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  return undefined;
}
