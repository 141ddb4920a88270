/**
 * Runs a command body against the configured installation (same flags and environment as
 * `serve`): builds the app context, reports start-up problems with exit 2, always closes it.
 */
import { createAppContext, createLogger, StartupError, type AppContext } from '../../app/app-context.js';
import type { Config } from '../../config/config.js';
import { EXIT_USAGE } from '../cli.js';
import { resolveConfig } from './store-options.js';

export async function withContext(opts: Record<string, unknown>, setExit: (code: number) => void, fn: (ctx: AppContext, config: Config) => Promise<number>): Promise<void> {
  const config = resolveConfig(opts);
  if (!config) return setExit(EXIT_USAGE);
  let ctx: AppContext;
  try {
    ctx = await createAppContext(config, { log: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 2) });
  } catch (err: unknown) {
    if (err instanceof StartupError) {
      process.stderr.write(`crowsnest: cannot open the installation:\n${err.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return setExit(EXIT_USAGE);
    }
    throw err;
  }
  try {
    setExit(await fn(ctx, config));
  } finally {
    await ctx.close();
  }
}
