/**
 * `/api/v1/repositories/{ns}/{name}/webhooks` (CONTRACT.md: POST `{url, events}`): create, list,
 * read, change and delete a repository's webhooks, read their delivery log, redeliver and ping.
 * Managed by the people who may change the repository's settings (repository admins, namespace and
 * organization owners); the secret is shown once, in the creation response.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { AccessPolicy, Principal } from '../access/access-policy.js';
import { requireRepositoryAccess } from '../access/require-access.js';
import { repositoryFromParams } from '../api/repository-name.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { REPORT_SEVERITIES } from '../reports/severity.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';
import { WEBHOOK_EVENTS, WEBHOOK_SCOPES, type WebhookStore } from './webhook-store.js';

const Params = Type.Object({ ns: Type.String(), name: Type.String() });
const HookParams = Type.Object({ ns: Type.String(), name: Type.String(), id: Type.String({ maxLength: 64 }) });
const DeliveryParams = Type.Object({ ns: Type.String(), name: Type.String(), id: Type.String({ maxLength: 64 }), delivery: Type.String({ maxLength: 64 }) });
const Fields = {
  url: Type.String({ minLength: 1, maxLength: 2048 }),
  events: Type.Array(Type.Union(WEBHOOK_EVENTS.map((e) => Type.Literal(e))), { minItems: 1, maxItems: WEBHOOK_EVENTS.length }),
  secret: Type.String({ minLength: 16, maxLength: 256 }),
  scope: Type.Union(WEBHOOK_SCOPES.map((s) => Type.Literal(s))),
  minSeverity: Type.Union(REPORT_SEVERITIES.map((s) => Type.Literal(s))),
  active: Type.Boolean(),
};
const CreateBody = Type.Object(
  {
    url: Fields.url,
    events: Fields.events,
    secret: Type.Optional(Fields.secret),
    scope: Type.Optional(Fields.scope),
    minSeverity: Type.Optional(Fields.minSeverity),
    active: Type.Optional(Fields.active),
  },
  { additionalProperties: false },
);
const PatchBody = Type.Partial(Type.Object(Fields), { additionalProperties: false });
const DeliveriesQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })), before: Type.Optional(Type.String({ maxLength: 40 })) });

export interface WebhookRoutesDeps {
  readonly access: AccessPolicy;
  readonly store: WebhookStore;
  readonly dispatcher: WebhookDispatcher;
  readonly audit?: (actor: string | null, action: string, repository: string, details: unknown) => Promise<void>;
}

function checkUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`webhook url "${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ValidationError('webhook url must be http or https');
  if (url.username !== '' || url.password !== '') throw new ValidationError('webhook url must not carry credentials (the signature authenticates deliveries)');
}

const actorOf = (p: Principal) => (p.kind === 'user' ? p.name : null);

export function webhookRoutes(deps: WebhookRoutesDeps): FastifyPluginAsync {
  const { store } = deps;
  return async (app: FastifyInstance) => {
    const admin = async (request: { params: { ns: string; name: string } } & Parameters<typeof requireRepositoryAccess>[1]) => {
      const repository = repositoryFromParams(request.params);
      const principal = await requireRepositoryAccess(deps.access, request, repository, 'admin');
      return { repository, principal };
    };
    const hookOf = async (repository: string, id: string) => {
      const hook = await store.get(repository, id);
      if (!hook) throw new NotFoundError(`webhook ${id}`);
      return hook;
    };

    app.post<{ Params: Static<typeof Params>; Body: Static<typeof CreateBody> }>(
      '/repositories/:ns/:name/webhooks',
      { schema: { params: Params, body: CreateBody } },
      async (request, reply) => {
        const { repository, principal } = await admin(request);
        checkUrl(request.body.url);
        const { webhook, secret } = await store.create(repository, request.body, actorOf(principal));
        await deps.audit?.(actorOf(principal), 'webhook.create', repository, { id: webhook.id, url: webhook.url, events: webhook.events });
        return reply.code(201).send({ ...webhook, secret });
      },
    );

    app.get<{ Params: Static<typeof Params> }>('/repositories/:ns/:name/webhooks', { schema: { params: Params } }, async (request) => {
      const { repository } = await admin(request);
      return store.list(repository);
    });

    app.get<{ Params: Static<typeof HookParams> }>('/repositories/:ns/:name/webhooks/:id', { schema: { params: HookParams } }, async (request) => {
      const { repository } = await admin(request);
      return hookOf(repository, request.params.id);
    });

    app.patch<{ Params: Static<typeof HookParams>; Body: Static<typeof PatchBody> }>(
      '/repositories/:ns/:name/webhooks/:id',
      { schema: { params: HookParams, body: PatchBody } },
      async (request) => {
        const { repository, principal } = await admin(request);
        await hookOf(repository, request.params.id);
        if (request.body.url !== undefined) checkUrl(request.body.url);
        const updated = await store.update(repository, request.params.id, request.body);
        const { secret: _secret, ...visible } = request.body;
        await deps.audit?.(actorOf(principal), 'webhook.update', repository, { id: request.params.id, ...visible, ...(_secret !== undefined ? { secret: 'changed' } : {}) });
        return updated;
      },
    );

    app.delete<{ Params: Static<typeof HookParams> }>('/repositories/:ns/:name/webhooks/:id', { schema: { params: HookParams } }, async (request, reply) => {
      const { repository, principal } = await admin(request);
      if (!(await store.delete(repository, request.params.id))) throw new NotFoundError(`webhook ${request.params.id}`);
      await deps.audit?.(actorOf(principal), 'webhook.delete', repository, { id: request.params.id });
      return reply.code(204).send();
    });

    app.get<{ Params: Static<typeof HookParams>; Querystring: Static<typeof DeliveriesQuery> }>(
      '/repositories/:ns/:name/webhooks/:id/deliveries',
      { schema: { params: HookParams, querystring: DeliveriesQuery } },
      async (request) => {
        const { repository } = await admin(request);
        const hook = await hookOf(repository, request.params.id);
        return store.deliveries(hook.id, { limit: request.query.limit ?? 50, ...(request.query.before !== undefined ? { before: request.query.before } : {}) });
      },
    );

    app.post<{ Params: Static<typeof DeliveryParams> }>(
      '/repositories/:ns/:name/webhooks/:id/deliveries/:delivery/redeliver',
      { schema: { params: DeliveryParams } },
      async (request, reply) => {
        const { repository } = await admin(request);
        const hook = await hookOf(repository, request.params.id);
        const delivery = await store.delivery(request.params.delivery);
        if (!delivery || delivery.webhookId !== hook.id) throw new NotFoundError(`delivery ${request.params.delivery}`);
        const id = await deps.dispatcher.redeliver(hook, delivery.payload, delivery.event);
        return reply.code(202).send({ id });
      },
    );

    app.post<{ Params: Static<typeof HookParams> }>('/repositories/:ns/:name/webhooks/:id/ping', { schema: { params: HookParams } }, async (request, reply) => {
      const { repository } = await admin(request);
      const hook = await hookOf(repository, request.params.id);
      return reply.code(202).send({ id: await deps.dispatcher.ping(hook) });
    });
  };
}
