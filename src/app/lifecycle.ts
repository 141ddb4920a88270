/**
 * Start and stop order of the server process: build HTTP on the context, listen, start the periodic
 * housekeeping (periodic-tasks.ts); on SIGTERM/SIGINT stop accepting, let in-flight requests finish, then
 * close the stores.
 */
import type { FastifyInstance } from 'fastify';
import { ensureFirstAdmin } from '../accounts/first-admin.js';
import { Scheduler } from '../jobs/schedule.js';
import { periodicTasks } from './periodic-tasks.js';
import { serverDepsFor } from './server-deps.js';
import { buildServer } from '../server/http-server.js';
import type { AppContext } from './app-context.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  /** The bound address, e.g. "http://127.0.0.1:5000". */
  readonly address: string;
  /** Graceful stop; idempotent. */
  stop(): Promise<void>;
  /** Resolves once the server has stopped. */
  readonly stopped: Promise<void>;
}

export async function startServer(ctx: AppContext): Promise<RunningServer> {
  await ensureFirstAdmin(ctx.accounts, ctx.config.auth.adminPassword);
  const app = await buildServer(serverDepsFor(ctx));
  const address = await app.listen({ host: ctx.config.listen.host, port: ctx.config.listen.port });

  // Each task runs once per interval across all server processes sharing the database and storage.
  const scheduler = new Scheduler(ctx.db, ctx.log.child({ component: 'scheduler' }));
  for (const task of periodicTasks(ctx)) scheduler.start(task);

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await scheduler.stop();
      ctx.log.info('shutting down: draining in-flight requests');
      // Connections that finish their last request while we drain would otherwise idle until
      // their keep-alive timeout; close them as soon as they go idle.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
        await ctx.close();
        resolveStopped();
      }
    })();
    return stopping;
  };
  ctx.log.info({ address }, 'crowsnest listening');
  return { app, address, stop, stopped };
}
