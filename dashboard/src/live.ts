import { useEffect, useRef, useState } from 'preact/hooks';
import { openStream } from './api/sse.ts';
import { Store, useStore } from './store.ts';

/** The pause toggle: while paused, no stream is open and nothing refreshes by itself. */
export const pausedStore = new Store<boolean>(sessionStorage.getItem('tenantry.paused') === '1');
pausedStore.subscribe((paused) => sessionStorage.setItem('tenantry.paused', paused ? '1' : '0'));

const visibleStore = new Store<boolean>(document.visibilityState !== 'hidden');
document.addEventListener('visibilitychange', () => visibleStore.set(document.visibilityState !== 'hidden'));

export type LiveState = 'live' | 'connecting' | 'reconnecting' | 'paused' | 'hidden' | 'stopped';

/** What the header's indicator shows: the state of the page's one stream. */
export const liveStateStore = new Store<LiveState>('connecting');

/**
 * The page's one event stream: open while the page is shown and not paused, closed when the tab
 * is hidden and opened again (with `onResume`, to catch up) when it returns.
 */
export function useEventStream(
  url: string | null,
  onEvent: (type: string, data: unknown) => void,
  onResume?: () => void,
  /**
   * A stream beside the page's own (one job an action started): the header's indicator stays
   * the page's, which such a stream ending must not turn to "Not live".
   */
  { secondary = false }: { secondary?: boolean } = {},
): LiveState {
  const paused = useStore(pausedStore);
  const visible = useStore(visibleStore);
  const [state, setState] = useState<LiveState>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const resume = useRef(onResume);
  resume.current = onResume;
  const opened = useRef(false);

  useEffect(() => {
    if (!url) return;
    if (paused || !visible) {
      setState(paused ? 'paused' : 'hidden');
      return;
    }
    setState('connecting');
    const close = openStream(url, {
      onOpen: () => {
        setState('live');
        // Changes made while the stream was closed were not seen: catch up once.
        if (opened.current) resume.current?.();
        opened.current = true;
      },
      onEvent: (type, data) => handler.current(type, data),
      // The connection dropped or the server is away: not live until it is open again.
      onRetry: () => setState('reconnecting'),
      onStop: () => setState('stopped'),
    });
    return close;
  }, [url, paused, visible]);

  useEffect(() => {
    if (!secondary) liveStateStore.set(url ? state : 'stopped');
  }, [url, state, secondary]);
  return state;
}

/** Calls `fn` at most once per `ms`, the last call always running (trailing edge). */
export function useThrottled(fn: () => void, ms: number): () => void {
  const latest = useRef(fn);
  latest.current = fn;
  const state = useRef<{ last: number; timer: ReturnType<typeof setTimeout> | undefined }>({
    last: 0,
    timer: undefined,
  });
  useEffect(() => () => clearTimeout(state.current.timer), []);
  return useRef(() => {
    const s = state.current;
    if (s.timer) return;
    const wait = Math.max(0, s.last + ms - Date.now());
    s.timer = setTimeout(() => {
      s.timer = undefined;
      s.last = Date.now();
      latest.current();
    }, wait);
  }).current;
}
