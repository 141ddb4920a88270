/**
 * Typed domain events the registry emits. The app layer subscribes (analysis on push, webhooks);
 * the registry never imports those consumers. A failing listener is logged, never fatal.
 */
import type { Digest } from '../core/digest.js';
import type { Logger } from '../core/log.js';

export interface RegistryEventMap {
  manifestPushed: { readonly repo: string; readonly digest: Digest; readonly tag?: string; readonly mediaType: string };
  manifestDeleted: { readonly repo: string; readonly digest: Digest };
  tagDeleted: { readonly repo: string; readonly tag: string; readonly digest: Digest };
}

export type RegistryEventName = keyof RegistryEventMap;
export type RegistryListener<K extends RegistryEventName> = (event: RegistryEventMap[K]) => void | Promise<void>;

export class RegistryEvents {
  private readonly listeners = new Map<RegistryEventName, Set<RegistryListener<never>>>();

  constructor(private readonly log: Logger) {}

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends RegistryEventName>(name: K, listener: RegistryListener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as RegistryListener<never>);
    return () => set.delete(listener as RegistryListener<never>);
  }

  /** Calls every listener; errors (sync or async) are logged and do not reach the emitter. */
  emit<K extends RegistryEventName>(name: K, event: RegistryEventMap[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        const result = (listener as RegistryListener<K>)(event);
        if (result instanceof Promise) {
          result.catch((err: unknown) => this.log.error({ err, event: name }, 'registry event listener failed'));
        }
      } catch (err: unknown) {
        this.log.error({ err, event: name }, 'registry event listener failed');
      }
    }
  }
}
