/**
 * Repository webhooks and their delivery log in the shared database. The secret is kept (it signs
 * every delivery) but only shown when the webhook is created.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../metadata/kysely/schema/index.js';
import { isReportSeverity, type ReportSeverity } from '../reports/severity.js';

export const WEBHOOK_EVENTS = ['push', 'analysis.done', 'vulnerabilities.changed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const WEBHOOK_SCOPES = ['all', 'latest'] as const;
export type WebhookScope = (typeof WEBHOOK_SCOPES)[number];

export interface Webhook {
  readonly id: string;
  readonly repository: string;
  readonly url: string;
  readonly events: readonly WebhookEvent[];
  readonly scope: WebhookScope;
  readonly minSeverity: ReportSeverity;
  readonly active: boolean;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface WebhookDelivery {
  readonly id: string;
  readonly webhookId: string;
  readonly event: string;
  readonly status: 'queued' | 'retrying' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly responseStatus: number | null;
  readonly responseExcerpt: string | null;
  readonly error: string | null;
  readonly durationMs: number | null;
  readonly createdAt: string;
  readonly deliveredAt: string | null;
}

export interface WebhookInput {
  readonly url: string;
  readonly events: readonly WebhookEvent[];
  readonly secret?: string;
  readonly scope?: WebhookScope;
  readonly minSeverity?: ReportSeverity;
  readonly active?: boolean;
}

type Row = Database['webhooks'];
type DeliveryRow = Database['webhook_deliveries'];

function toWebhook(r: Row): Webhook {
  const events = (JSON.parse(r.events) as string[]).filter((e): e is WebhookEvent => (WEBHOOK_EVENTS as readonly string[]).includes(e));
  return {
    id: r.id,
    repository: r.repository,
    url: r.url,
    events,
    scope: r.scope === 'latest' ? 'latest' : 'all',
    minSeverity: isReportSeverity(r.min_severity) ? r.min_severity : 'unknown',
    active: r.active === 1,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toDelivery(r: DeliveryRow): WebhookDelivery {
  const status = r.status === 'delivered' || r.status === 'failed' || r.status === 'retrying' ? r.status : 'queued';
  return {
    id: r.id,
    webhookId: r.webhook_id,
    event: r.event,
    status,
    attempts: r.attempts,
    responseStatus: r.response_status,
    responseExcerpt: r.response_excerpt,
    error: r.error,
    durationMs: r.duration_ms,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
  };
}

export class WebhookStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Creates a webhook; the returned secret is the only time it is shown. */
  async create(repository: string, input: WebhookInput, createdBy: string | null): Promise<{ webhook: Webhook; secret: string }> {
    const now = new Date().toISOString();
    const secret = input.secret ?? randomBytes(24).toString('base64url');
    const row: Row = {
      id: randomUUID(),
      repository,
      url: input.url,
      events: JSON.stringify([...new Set(input.events)]),
      secret,
      scope: input.scope ?? 'all',
      min_severity: input.minSeverity ?? 'unknown',
      active: input.active === false ? 0 : 1,
      created_by: createdBy,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('webhooks').values(row).execute();
    return { webhook: toWebhook(row), secret };
  }

  async list(repository: string): Promise<Webhook[]> {
    const rows = await this.db.selectFrom('webhooks').selectAll().where('repository', '=', repository).orderBy('created_at').execute();
    return rows.map(toWebhook);
  }

  async get(repository: string, id: string): Promise<Webhook | undefined> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('repository', '=', repository).where('id', '=', id).executeTakeFirst();
    return row ? toWebhook(row) : undefined;
  }

  /** The webhook with its secret, for signing a delivery. */
  async withSecret(id: string): Promise<{ webhook: Webhook; secret: string } | undefined> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { webhook: toWebhook(row), secret: row.secret } : undefined;
  }

  async update(repository: string, id: string, patch: Partial<WebhookInput>): Promise<Webhook | undefined> {
    const set: Partial<Row> = { updated_at: new Date().toISOString() };
    if (patch.url !== undefined) set.url = patch.url;
    if (patch.events !== undefined) set.events = JSON.stringify([...new Set(patch.events)]);
    if (patch.secret !== undefined) set.secret = patch.secret;
    if (patch.scope !== undefined) set.scope = patch.scope;
    if (patch.minSeverity !== undefined) set.min_severity = patch.minSeverity;
    if (patch.active !== undefined) set.active = patch.active ? 1 : 0;
    await this.db.updateTable('webhooks').set(set).where('repository', '=', repository).where('id', '=', id).execute();
    return this.get(repository, id);
  }

  async delete(repository: string, id: string): Promise<boolean> {
    const found = await this.get(repository, id);
    if (!found) return false;
    await this.db.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
    await this.db.deleteFrom('webhooks').where('id', '=', id).execute();
    return true;
  }

  async addDelivery(webhookId: string, event: string, payload: string, id: string = randomUUID()): Promise<string> {
    await this.db
      .insertInto('webhook_deliveries')
      .values({ id, webhook_id: webhookId, event, payload, status: 'queued', attempts: 0, response_status: null, response_excerpt: null, error: null, duration_ms: null, created_at: new Date().toISOString(), delivered_at: null })
      .execute();
    return id;
  }

  async delivery(id: string): Promise<(WebhookDelivery & { payload: string }) | undefined> {
    const row = await this.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? { ...toDelivery(row), payload: row.payload } : undefined;
  }

  async recordAttempt(
    id: string,
    outcome: { status: WebhookDelivery['status']; responseStatus?: number; responseExcerpt?: string; error?: string; durationMs: number },
  ): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        status: outcome.status,
        attempts: eb('attempts', '+', 1),
        response_status: outcome.responseStatus ?? null,
        response_excerpt: outcome.responseExcerpt ?? null,
        error: outcome.error ?? null,
        duration_ms: outcome.durationMs,
        delivered_at: outcome.status === 'delivered' ? new Date().toISOString() : null,
      }))
      .where('id', '=', id)
      .execute();
  }

  /** Newest first. */
  async deliveries(webhookId: string, opts: { limit: number; before?: string }): Promise<WebhookDelivery[]> {
    let q = this.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
    if (opts.before !== undefined) q = q.where('created_at', '<', opts.before);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
    return rows.map(toDelivery);
  }

  /** The repository's most recently pushed tag (scope "latest"). */
  async latestTag(repository: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('tags').select('name').where('repository', '=', repository).orderBy('updated_at', 'desc').orderBy('name').limit(1).executeTakeFirst();
    return row?.name;
  }
}
