/**
 * Every /api/v1 route module, built from the app context. Each domain adds its module here.
 */
import type { FastifyPluginAsync } from 'fastify';
import { settingsRoutes } from '../repositories/settings-routes.js';
import type { AppContext } from './app-context.js';

export function apiRoutesFor(ctx: AppContext): FastifyPluginAsync[] {
  return [settingsRoutes({ access: ctx.access, settings: ctx.settings })];
}
