import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client.ts';

/**
 * Runs one action of a page (a save, a status change): the page's controls stay disabled while
 * it runs, a failure is shown named by `what`, and the page's data is read again after it.
 */
export type RunAction = (what: string, fn: () => Promise<unknown>) => Promise<void>;

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** Loads again (quietly: what is shown stays until the new answer arrives). */
  reload: () => void;
  setData: (update: (data: T | undefined) => T | undefined) => void;
}

/** Runs `load` when `deps` change and on reload(); the last answer wins. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    load().then(
      (value) => {
        if (mine !== seq.current) return;
        setDataState(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== seq.current) return;
        setError(err instanceof ApiError ? err : new ApiError(0, 'client', 'Error', String(err)));
        setLoading(false);
      },
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const setData = useCallback((update: (d: T | undefined) => T | undefined) => setDataState(update), []);
  return { data, error, loading, reload, setData };
}
