/**
 * `crowsnest serve`: validates the configuration (every problem listed, exit 2), starts the
 * registry and runs until SIGTERM/SIGINT, then drains and exits 0.
 */
import type { Command } from 'commander';
import { createAppContext, StartupError } from '../../app/app-context.js';
import { startServer } from '../../app/lifecycle.js';
import { EXIT_OK, EXIT_USAGE, type CommandModule } from '../cli.js';
import { addStoreOptions, resolveConfig } from './store-options.js';

export const serveCommand: CommandModule = (program: Command, setExit) => {
  const cmd = program
    .command('serve')
    .description('run the registry server')
    .option('--listen <host:port>', 'address to listen on (env CROWSNEST_LISTEN, default 127.0.0.1:5000)')
    .option('--public-url <url>', 'external base URL (env CROWSNEST_PUBLIC_URL, default derived from the request)')
    .option('--no-delete', 'refuse manifest, tag and blob deletion (env CROWSNEST_DELETE_ENABLED=false)')
    .option('--upload-purge-age <duration>', 'purge uploads idle longer than this (env CROWSNEST_UPLOAD_PURGE_AGE, default 24h)')
    .option('--no-workers', 'serve HTTP only; run job handlers with `crowsnest worker`');
  addStoreOptions(cmd).action(async (opts: Record<string, unknown>) => {
    const config = resolveConfig(opts);
    if (!config) return setExit(EXIT_USAGE);
    let ctx;
    try {
      ctx = await createAppContext(config);
    } catch (err: unknown) {
      if (err instanceof StartupError) {
        process.stderr.write(`crowsnest: cannot start:\n${err.problems.map((p) => `  - ${p}`).join('\n')}\n`);
        return setExit(EXIT_USAGE);
      }
      throw err;
    }
    const server = await startServer(ctx);
    const workers = opts.workers === false ? undefined : ctx.analysis.startWorkers();
    const onSignal = (signal: string) => {
      ctx.log.info({ signal }, 'signal received');
      // Jobs finish or are released before the database closes with the server.
      void (workers?.stop() ?? Promise.resolve()).finally(() => void server.stop());
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    await server.stopped;
    ctx.log.flush();
    return setExit(EXIT_OK);
  });
};
