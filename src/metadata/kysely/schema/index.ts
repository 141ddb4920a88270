/**
 * The whole database as Kysely sees it: the intersection of every domain's tables
 * (each domain declares its own in this folder, next to its migration in ../migrations/).
 */
import type { AnalysisTables } from './analysis.js';
import type { EvaluationTables } from './evaluations.js';
import type { RegistryTables } from './registry.js';
import type { RepositoryTables } from './repositories.js';
import type { VulndbTables } from './vulndb.js';

export type Database = RegistryTables & RepositoryTables & AnalysisTables & VulndbTables & EvaluationTables;
