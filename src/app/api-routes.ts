/**
 * Every /api/v1 route module, built from the app context. Each domain adds its module here.
 */
import type { FastifyPluginAsync } from 'fastify';
import { analysisRoutes } from '../analysis/api/analysis-routes.js';
import { blobStoreSource } from '../analysis/engine/image-inputs.js';
import { evaluationRoutes } from '../evaluation/evaluation-routes.js';
import { settingsRoutes } from '../repositories/settings-routes.js';
import type { AppContext } from './app-context.js';

export function apiRoutesFor(ctx: AppContext): FastifyPluginAsync[] {
  return [
    settingsRoutes({ access: ctx.access, settings: ctx.settings }),
    analysisRoutes({
      access: ctx.access,
      db: ctx.db,
      sboms: ctx.analysis.sboms,
      queue: ctx.analysis.queue,
      source: blobStoreSource(ctx.blobs),
      vulnerabilities: ctx.evaluator,
      ...(ctx.config.publicUrl !== undefined ? { publicUrl: ctx.config.publicUrl } : {}),
    }),
    evaluationRoutes({ access: ctx.access, db: ctx.db, sboms: ctx.analysis.sboms, queue: ctx.analysis.queue, vulndb: ctx.vulndb, evaluator: ctx.evaluator }),
  ];
}
