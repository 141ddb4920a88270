/**
 * Repository settings: the image analysis level (none | basic | advanced, CONTRACT.md). Changes
 * notify listeners so the analysis engine can analyze existing tags when analysis is turned on.
 * Who may change a setting is decided by the caller (the API route) through the AccessPolicy.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../metadata/kysely/schema/index.js';

export const ANALYSIS_LEVELS = ['none', 'basic', 'advanced'] as const;
export type AnalysisLevel = (typeof ANALYSIS_LEVELS)[number];

export interface RepositorySettings {
  readonly analysis: AnalysisLevel;
}

export const DEFAULT_SETTINGS: RepositorySettings = { analysis: 'none' };

export interface AnalysisLevelChange {
  readonly repository: string;
  readonly from: AnalysisLevel;
  readonly to: AnalysisLevel;
  readonly actor: string | undefined;
}

export type AnalysisLevelListener = (change: AnalysisLevelChange) => void | Promise<void>;

export function isAnalysisLevel(value: unknown): value is AnalysisLevel {
  return typeof value === 'string' && (ANALYSIS_LEVELS as readonly string[]).includes(value);
}

export class RepositorySettingsStore {
  private readonly listeners: AnalysisLevelListener[] = [];

  constructor(private readonly db: Kysely<Database>) {}

  async get(repository: string): Promise<RepositorySettings> {
    const row = await this.db
      .selectFrom('repository_settings')
      .select('analysis')
      .where('repository', '=', repository)
      .executeTakeFirst();
    return row && isAnalysisLevel(row.analysis) ? { analysis: row.analysis } : DEFAULT_SETTINGS;
  }

  /** Repositories whose analysis level is one of `levels` (e.g. every advanced repository). */
  async repositoriesWithAnalysis(levels: readonly AnalysisLevel[]): Promise<string[]> {
    if (levels.length === 0) return [];
    const rows = await this.db
      .selectFrom('repository_settings')
      .select('repository')
      .where('analysis', 'in', [...levels])
      .orderBy('repository')
      .execute();
    return rows.map((r) => r.repository);
  }

  /** Sets the analysis level; listeners run after the change is stored, only when it changed. */
  async setAnalysis(repository: string, analysis: AnalysisLevel, actor?: string): Promise<RepositorySettings> {
    const before = await this.get(repository);
    await this.db
      .insertInto('repository_settings')
      .values({ repository, analysis, updated_at: new Date().toISOString(), updated_by: actor ?? null })
      .onConflict((oc) =>
        oc.column('repository').doUpdateSet({ analysis, updated_at: new Date().toISOString(), updated_by: actor ?? null }),
      )
      .execute();
    if (before.analysis !== analysis) {
      const change: AnalysisLevelChange = { repository, from: before.analysis, to: analysis, actor };
      for (const listener of this.listeners) await listener(change);
    }
    return { analysis };
  }

  onAnalysisChanged(listener: AnalysisLevelListener): void {
    this.listeners.push(listener);
  }
}
