/**
 * `crowsnest worker`: runs only the job handlers (analysis today) against the configured database
 * and storage, next to or instead of the workers inside `serve`. SIGTERM/SIGINT: running jobs
 * finish (or are released for another worker), then the process exits 0.
 */
import type { Command } from 'commander';
import { createAppContext, StartupError } from '../../app/app-context.js';
import { EXIT_OK, EXIT_USAGE, type CommandModule } from '../cli.js';
import { addStoreOptions, resolveConfig } from './store-options.js';

export const workerCommand: CommandModule = (program: Command, setExit) => {
  const cmd = program.command('worker').description('run job handlers (image analysis) without the HTTP server');
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
    const runner = ctx.analysis.startWorkers();
    ctx.log.info({ owner: runner.owner }, 'crowsnest worker running');
    await new Promise<void>((resolve) => {
      const onSignal = (signal: string) => {
        ctx.log.info({ signal }, 'signal received: stopping jobs');
        resolve();
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    });
    await runner.stop();
    await ctx.close();
    ctx.log.flush();
    return setExit(EXIT_OK);
  });
};
