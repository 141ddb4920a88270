/**
 * The periodic housekeeping of a server process, each run once per interval across every process
 * of the installation by the Scheduler: purging abandoned upload sessions and, when configured,
 * garbage collection (the same mark and sweep as `crowsnest gc`).
 */
import type { PeriodicTask } from '../jobs/schedule.js';
import { collectGarbage } from '../registry/gc/garbage-collector.js';
import type { AppContext } from './app-context.js';

export function periodicTasks(ctx: AppContext): PeriodicTask[] {
  const { config, log } = ctx;
  const tasks: PeriodicTask[] = [
    {
      name: 'purge-stale-uploads',
      intervalMs: Math.min(config.registry.uploadPurgeAgeSeconds, 3600) * 1000,
      run: async () => {
        const before = new Date(Date.now() - config.registry.uploadPurgeAgeSeconds * 1000);
        const purged = await ctx.uploads.purgeStale(before);
        if (purged.length > 0) log.info({ purged: purged.length }, 'purged stale uploads');
      },
    },
  ];
  if (config.gc.intervalSeconds > 0) {
    tasks.push({
      name: 'garbage-collection',
      intervalMs: config.gc.intervalSeconds * 1000,
      run: async () => {
        const started = Date.now();
        const report = await collectGarbage({
          blobs: ctx.blobs,
          metadata: ctx.metadata,
          uploads: ctx.uploads,
          log: log.child({ component: 'gc' }),
          graceSeconds: config.gc.graceSeconds,
          uploadPurgeAgeSeconds: config.registry.uploadPurgeAgeSeconds,
          dryRun: false,
        });
        const count = (kind: string) => report.removed.filter((r) => r.kind === kind).length;
        const bytes = report.removed.reduce((n, r) => n + (r.kind === 'blob' ? r.size : 0), 0);
        log.info({ manifests: count('manifest'), blobs: count('blob'), uploads: count('upload'), bytes, ms: Date.now() - started }, 'scheduled garbage collection done');
      },
    });
  }
  return tasks;
}
