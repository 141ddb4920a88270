/**
 * Sends one delivery: POSTs the stored body with an HMAC-SHA256 signature of exactly those bytes,
 * records the attempt in the delivery log, and throws on anything but a 2xx so the job queue retries
 * it with exponential backoff; after the last attempt the delivery is marked failed.
 */
import { createHmac } from 'node:crypto';
import type { JobContext, JobHandler } from '../jobs/job-runner.js';
import { PermanentJobError } from '../jobs/job-runner.js';
import type { WebhookStore } from './webhook-store.js';

export const DELIVER_JOB = 'webhook-delivery';
export const SIGNATURE_HEADER = 'x-crowsnest-signature-256';
export const DELIVERY_ATTEMPTS = 6;
const TIMEOUT_MS = 10_000;
const EXCERPT_BYTES = 512;

/** `sha256=<hex>`: what receivers recompute over the raw body with their secret. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function deliveryHandler(store: WebhookStore): JobHandler {
  return async (payload: unknown, ctx: JobContext): Promise<void> => {
    const id = (payload as { deliveryId?: unknown } | null)?.deliveryId;
    if (typeof id !== 'string') throw new PermanentJobError('webhook delivery job without deliveryId');
    const delivery = await store.delivery(id);
    const hook = delivery ? await store.withSecret(delivery.webhookId) : undefined;
    if (!delivery || !hook) throw new PermanentJobError(`webhook delivery ${id} or its webhook is gone`);
    const started = Date.now();
    const last = ctx.job.attempts >= ctx.job.maxAttempts;
    let failure: string;
    let responseStatus: number | undefined;
    let responseExcerpt: string | undefined;
    try {
      const res = await fetch(hook.webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Crowsnest-Webhook',
          'x-crowsnest-event': delivery.event,
          'x-crowsnest-delivery': delivery.id,
          [SIGNATURE_HEADER]: signature(hook.secret, delivery.payload),
        },
        body: delivery.payload,
        redirect: 'manual',
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(TIMEOUT_MS)]),
      });
      responseStatus = res.status;
      responseExcerpt = (await res.text().catch(() => '')).slice(0, EXCERPT_BYTES);
      if (res.ok) {
        await store.recordAttempt(id, { status: 'delivered', responseStatus, responseExcerpt, durationMs: Date.now() - started });
        return;
      }
      failure = `receiver answered HTTP ${res.status}`;
    } catch (err: unknown) {
      failure = err instanceof Error ? err.message : String(err);
    }
    await store.recordAttempt(id, {
      status: last ? 'failed' : 'retrying',
      ...(responseStatus !== undefined ? { responseStatus } : {}),
      ...(responseExcerpt !== undefined ? { responseExcerpt } : {}),
      error: failure,
      durationMs: Date.now() - started,
    });
    throw new Error(`webhook delivery ${id}: ${failure}`);
  };
}
