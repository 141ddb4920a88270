/**
 * `crowsnest gc [--dry-run]`: removes untagged, unreferenced manifests and then blobs nothing
 * references (older than the grace period), and purges stale uploads; prints each removal.
 * Safe next to a running server on the same --data/--database/--storage.
 */
import type { Command } from 'commander';
import { createAppContext, createLogger, StartupError } from '../../app/app-context.js';
import { collectGarbage, type GcRemoval } from '../../registry/gc/garbage-collector.js';
import { EXIT_OK, EXIT_USAGE, type CommandModule } from '../cli.js';
import { addStoreOptions, resolveConfig } from './store-options.js';

function describeRemoval(r: GcRemoval): string {
  switch (r.kind) {
    case 'manifest':
      return `manifest ${r.repo}@${r.digest}`;
    case 'blob':
      return `blob ${r.digest} (${r.size} bytes)`;
    case 'upload':
      return `upload ${r.id}`;
  }
}

export const gcCommand: CommandModule = (program: Command, setExit) => {
  const cmd = program
    .command('gc')
    .description('remove manifests and blobs that nothing references')
    .option('--dry-run', 'only print what would be removed')
    .option('--grace <duration>', 'never remove anything younger than this (env CROWSNEST_GC_GRACE, default 1h)')
    .option('--upload-purge-age <duration>', 'purge uploads idle longer than this (default 24h)');
  addStoreOptions(cmd).action(async (opts: Record<string, unknown>) => {
    const config = resolveConfig(opts);
    if (!config) return setExit(EXIT_USAGE);
    const dryRun = opts.dryRun === true;
    let ctx;
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
      const verb = dryRun ? 'would remove' : 'removed';
      const report = await collectGarbage({
        blobs: ctx.blobs,
        metadata: ctx.metadata,
        uploads: ctx.uploads,
        log: ctx.log,
        graceSeconds: config.gc.graceSeconds,
        uploadPurgeAgeSeconds: config.registry.uploadPurgeAgeSeconds,
        dryRun,
        onRemove: (r) => console.log(`${verb} ${describeRemoval(r)}`),
      });
      const count = (k: GcRemoval['kind']) => report.removed.filter((r) => r.kind === k).length;
      const bytes = report.removed.reduce((n, r) => n + (r.kind === 'blob' ? r.size : 0), 0);
      console.log(
        `gc${dryRun ? ' (dry run)' : ''}: ${verb} ${count('manifest')} manifests, ${count('blob')} blobs (${bytes} bytes), ` +
          `${count('upload')} uploads; kept ${report.keptManifests} manifests, ${report.keptBlobs} blobs`,
      );
      return setExit(EXIT_OK);
    } finally {
      await ctx.close();
    }
  });
};
