/**
 * Turns domain events into webhook deliveries: for every active webhook of the repository that
 * subscribed to the event and whose scope and minimum severity let it through, a delivery is logged
 * and a durable job enqueued — so it survives restarts and is sent by exactly one worker.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/log.js';
import type { ImageEvents } from '../evaluation/image-events.js';
import type { JobQueue } from '../jobs/job-queue.js';
import type { RegistryEvents } from '../registry/events.js';
import { DELIVER_JOB, DELIVERY_ATTEMPTS } from './webhook-delivery.js';
import { analysisPayload, inScope, pushPayload, vulnerabilitiesPayload } from './webhook-payloads.js';
import type { Webhook, WebhookEvent, WebhookStore } from './webhook-store.js';

export class WebhookDispatcher {
  constructor(
    private readonly store: WebhookStore,
    private readonly queue: JobQueue,
    private readonly log: Logger,
    private readonly onEnqueued?: () => void,
  ) {}

  attach(registry: RegistryEvents, images: ImageEvents): void {
    registry.on('manifestPushed', async (e) => {
      // Untagged pushes are an index's children or referrers: the tagged push announces the image.
      if (e.tag === undefined) return;
      const tag = e.tag;
      await this.dispatch(e.repo, 'push', [tag], (env) => pushPayload(env, e));
    });
    images.on('analysisDone', async (e) => {
      await this.dispatch(e.repository, 'analysis.done', e.tag !== undefined ? [e.tag] : [], (env) => analysisPayload(env, e));
    });
    images.on('vulnerabilitiesChanged', async (e) => {
      for (const target of e.targets) {
        await this.dispatch(target.repository, 'vulnerabilities.changed', target.tags, (env, hook) => vulnerabilitiesPayload(env, e, target, hook));
      }
    });
  }

  /** Sends a ping to one webhook (the API's test button). */
  async ping(hook: Webhook): Promise<string> {
    return this.enqueue(hook, 'ping', (env) => ({ ...env, url: hook.url, events: hook.events }));
  }

  /** Sends a logged delivery again as a new delivery with the same body. */
  async redeliver(hook: Webhook, payload: string, event: string): Promise<string> {
    const id = await this.store.addDelivery(hook.id, event, payload);
    await this.queue.enqueue(DELIVER_JOB, { deliveryId: id }, { maxAttempts: DELIVERY_ATTEMPTS });
    this.onEnqueued?.();
    return id;
  }

  private async dispatch(
    repository: string,
    event: WebhookEvent,
    tags: readonly string[],
    build: (envelope: { event: string; id: string; occurredAt: string; repository: string }, hook: Webhook) => Record<string, unknown> | undefined,
  ): Promise<void> {
    const hooks = (await this.store.list(repository)).filter((h) => h.active && h.events.includes(event));
    if (hooks.length === 0) return;
    const latest = hooks.some((h) => h.scope === 'latest') ? await this.store.latestTag(repository) : undefined;
    for (const hook of hooks) {
      if (event !== 'push' && !inScope(hook, tags, latest)) continue;
      await this.enqueue(hook, event, (env) => build(env, hook));
    }
  }

  private async enqueue(
    hook: Webhook,
    event: string,
    build: (envelope: { event: string; id: string; occurredAt: string; repository: string }) => Record<string, unknown> | undefined,
  ): Promise<string> {
    const id = randomUUID();
    const body = build({ event, id, occurredAt: new Date().toISOString(), repository: hook.repository });
    if (body === undefined) return id;
    await this.store.addDelivery(hook.id, event, JSON.stringify(body), id);
    await this.queue.enqueue(DELIVER_JOB, { deliveryId: id }, { maxAttempts: DELIVERY_ATTEMPTS });
    this.log.debug({ webhook: hook.id, event, delivery: id }, 'webhook delivery queued');
    this.onEnqueued?.();
    return id;
  }
}
