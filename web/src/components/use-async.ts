/**
 * Loads data for a page: re-runs when `deps` change, aborts the previous request, and optionally polls
 * (`pollMs` returned by `poll(data)`, e.g. while an analysis is running) without flashing the loading state.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

export type AsyncState<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'error'; readonly error: unknown }
  | { readonly status: 'ready'; readonly data: T };

export interface AsyncResult<T> {
  readonly state: AsyncState<T>;
  readonly reload: () => void;
  /** Replace the data locally (after a successful save) without another request. */
  readonly set: (data: T) => void;
}

export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
  poll?: (data: T) => number | undefined,
): AsyncResult<T> {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const pollRef = useRef(poll);
  pollRef.current = poll;
  const keyRef = useRef<string>('');
  /** The poll interval last asked for; a failed poll keeps the shown data and tries again at that pace. */
  const pollingRef = useRef<number | undefined>(undefined);

  useEffect(() => {
    const key = JSON.stringify(deps);
    // A new subject shows the loading state; a reload or poll of the same one keeps the current data.
    if (key !== keyRef.current) {
      keyRef.current = key;
      pollingRef.current = undefined;
      setState({ status: 'loading' });
    }
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    loadRef.current(controller.signal).then(
      (data) => {
        if (controller.signal.aborted) return;
        setState({ status: 'ready', data });
        const every = pollRef.current?.(data);
        pollingRef.current = every;
        if (every !== undefined) timer = setTimeout(() => setGeneration((g) => g + 1), every);
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const every = pollingRef.current;
        if (every !== undefined) {
          // A background refresh failed (server restarting, network blip): keep what is shown.
          timer = setTimeout(() => setGeneration((g) => g + 1), every);
          return;
        }
        setState({ status: 'error', error });
      },
    );
    return () => {
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const set = useCallback((data: T) => setState({ status: 'ready', data }), []);
  return { state, reload, set };
}
