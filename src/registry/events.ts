/**
 * Typed domain events the registry emits. The app layer subscribes (analysis on push, webhooks);
 * the registry never imports those consumers.
 */
import type { Digest } from '../core/digest.js';
import { TypedEvents, type EventListener } from '../core/typed-events.js';

export interface RegistryEventMap {
  manifestPushed: { readonly repo: string; readonly digest: Digest; readonly tag?: string; readonly mediaType: string };
  manifestDeleted: { readonly repo: string; readonly digest: Digest };
  tagDeleted: { readonly repo: string; readonly tag: string; readonly digest: Digest };
}

export type RegistryEventName = keyof RegistryEventMap;
export type RegistryListener<K extends RegistryEventName> = EventListener<RegistryEventMap[K]>;

export class RegistryEvents extends TypedEvents<RegistryEventMap> {}
