/**
 * Every /api/v1 route module, built from the app context. Each domain adds its module here.
 */
import type { FastifyPluginAsync } from 'fastify';
import { sessionRoutes } from '../access/session-routes.js';
import { accountRoutes } from '../accounts/account-routes.js';
import { repositoryRoutes } from '../accounts/repository-routes.js';
import { analysisRoutes } from '../analysis/api/analysis-routes.js';
import { blobStoreSource } from '../analysis/engine/image-inputs.js';
import { evaluationRoutes } from '../evaluation/evaluation-routes.js';
import { recommendationRoutes } from '../recommendations/recommendation-routes.js';
import { settingsRoutes } from '../repositories/settings-routes.js';
import { webhookRoutes } from '../webhooks/webhook-routes.js';
import type { AppContext } from './app-context.js';

export function apiRoutesFor(ctx: AppContext): FastifyPluginAsync[] {
  const registryNames = async (): Promise<string[]> => {
    const names: string[] = [];
    let after: string | undefined;
    // Bounded: 100 pages of 1000 names.
    for (let i = 0; i < 100; i++) {
      const page = await ctx.manifests.catalog({ limit: 1000, ...(after !== undefined ? { after } : {}) });
      names.push(...page.repositories);
      after = page.repositories[page.repositories.length - 1];
      if (!page.more || after === undefined) break;
    }
    return names;
  };
  return [
    settingsRoutes({
      access: ctx.access,
      settings: ctx.settings,
      audit: (actor, target, details) => ctx.accounts.audit(actor, 'repository.settings.update', target, details),
    }),
    sessionRoutes({ auth: ctx.auth, sessions: ctx.sessions, accounts: ctx.accounts }),
    accountRoutes({ access: ctx.access, accounts: ctx.accounts, onUserDeleted: (name) => ctx.sessions.deleteUser(name) }),
    repositoryRoutes({ access: ctx.access, accounts: ctx.accounts, registryNames }),
    analysisRoutes({
      access: ctx.access,
      db: ctx.db,
      sboms: ctx.analysis.sboms,
      queue: ctx.analysis.queue,
      source: blobStoreSource(ctx.blobs),
      vulnerabilities: ctx.evaluator,
      ...(ctx.config.publicUrl !== undefined ? { publicUrl: ctx.config.publicUrl } : {}),
    }),
    evaluationRoutes({
      access: ctx.access,
      db: ctx.db,
      sboms: ctx.analysis.sboms,
      queue: ctx.analysis.queue,
      vulndb: ctx.vulndb,
      evaluator: ctx.evaluator,
      schedule: () => ctx.vulndbUpdates.schedule(),
    }),
    recommendationRoutes({ access: ctx.access, db: ctx.db, sboms: ctx.analysis.sboms, queue: ctx.analysis.queue, evaluator: ctx.evaluator, baseImages: ctx.baseImages }),
    webhookRoutes({
      access: ctx.access,
      store: ctx.webhooks,
      dispatcher: ctx.webhookDispatcher,
      audit: (actor, action, target, details) => ctx.accounts.audit(actor, action, target, details),
    }),
  ];
}
