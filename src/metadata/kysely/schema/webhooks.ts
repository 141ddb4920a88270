/** Kysely table types of repository webhooks and their delivery log. */
export interface WebhooksTable {
  id: string;
  repository: string;
  url: string;
  /** JSON array of event names. */
  events: string;
  /** HMAC-SHA256 key of the signature header (shown once, when created). */
  secret: string;
  /** 'all' tags, or only the repository's most recently pushed tag ('latest'). */
  scope: string;
  /** Findings below this severity are left out of vulnerabilities.changed. */
  min_severity: string;
  active: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  event: string;
  /** The exact JSON body sent (and signed). */
  payload: string;
  /** queued | retrying | delivered | failed */
  status: string;
  attempts: number;
  response_status: number | null;
  response_excerpt: string | null;
  error: string | null;
  duration_ms: number | null;
  created_at: string;
  delivered_at: string | null;
}

export interface WebhookTables {
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
