/**
 * A small typed, in-process event bus: domains emit, the app layer subscribes (analysis on push,
 * webhooks on analysis and vulnerability changes) without the emitter importing its consumers.
 * A failing listener is logged, never fatal to the emitter.
 */
import type { Logger } from './log.js';

export type EventListener<E> = (event: E) => void | Promise<void>;

export class TypedEvents<M extends object> {
  private readonly listeners = new Map<keyof M, Set<EventListener<never>>>();

  constructor(private readonly log: Logger) {}

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof M>(name: K, listener: EventListener<M[K]>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as EventListener<never>);
    return () => set.delete(listener as EventListener<never>);
  }

  /** Calls every listener; errors (sync or async) are logged and do not reach the emitter. */
  emit<K extends keyof M>(name: K, event: M[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        const result = (listener as EventListener<M[K]>)(event);
        if (result instanceof Promise) {
          result.catch((err: unknown) => this.log.error({ err, event: String(name) }, 'event listener failed'));
        }
      } catch (err: unknown) {
        this.log.error({ err, event: String(name) }, 'event listener failed');
      }
    }
  }
}
