/**
 * The whole database as Kysely sees it: the intersection of every domain's tables
 * (each domain declares its own in this folder, next to its migration in ../migrations/).
 */
import type { AnalysisTables } from './analysis.js';
import type { BaseImageTables } from './base-images.js';
import type { EvaluationTables } from './evaluations.js';
import type { AccountsTables } from './accounts.js';
import type { AuthStateTables } from './auth-state.js';
import type { RegistryTables } from './registry.js';
import type { RepositoryTables } from './repositories.js';
import type { ScheduleTables } from './schedules.js';
import type { VulndbTables } from './vulndb.js';
import type { WebhookTables } from './webhooks.js';

export type Database = AccountsTables & RegistryTables & RepositoryTables & AnalysisTables & VulndbTables & EvaluationTables & ScheduleTables & AuthStateTables & WebhookTables & BaseImageTables;
