import { authHeaders, keyRefused, toApiError } from './client.ts';

export interface StreamHandlers {
  onEvent(type: string, data: unknown): void;
  /** The stream is open (after each reconnect too). */
  onOpen?(): void;
  /** The connection failed or dropped; it is tried again after `retry` milliseconds. */
  onRetry?(): void;
  /** Gave up: the server refused (4xx) or asked not to reconnect (204). */
  onStop?(reason: string): void;
}

/**
 * Server-Sent Events over fetch, so the key travels in the Authorization header (EventSource
 * cannot send one, and a key must never be in a URL). Reconnects after `retry` milliseconds
 * unless the server refused; the returned function closes the stream.
 */
export function openStream(url: string, handlers: StreamHandlers): () => void {
  const controller = new AbortController();
  let retryMs = 3000;
  let lastId: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const connect = async () => {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: {
          accept: 'text/event-stream',
          ...authHeaders(),
          ...(lastId ? { 'last-event-id': lastId } : {}),
        },
        signal: controller.signal,
        cache: 'no-store',
      });
    } catch {
      if (!controller.signal.aborted) retry();
      return;
    }
    if (response.status === 204) return handlers.onStop?.('finished');
    if (!response.ok || !response.body) {
      const body = await response.json().catch(() => undefined);
      const error = toApiError(response, body);
      if (response.status >= 500) retry();
      else {
        handlers.onStop?.(error.message);
        // The server ends a stream whose key is revoked or whose tenant stops being active; the
        // reconnect's refusal signs the page out with its reason, not leaving it silently stale.
        keyRefused(error);
      }
      return;
    }
    handlers.onOpen?.();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut = buffer.indexOf('\n\n');
        while (cut !== -1) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let type = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon === -1 ? line : line.slice(0, colon);
            const text = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') type = text;
            else if (field === 'data') data.push(text);
            else if (field === 'id') lastId = text;
            else if (field === 'retry' && /^\d+$/.test(text)) retryMs = Number(text);
          }
          if (data.length > 0) {
            try {
              handlers.onEvent(type, JSON.parse(data.join('\n')));
            } catch {
              // A message that is not JSON is not ours: ignored.
            }
          }
          cut = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted or the connection dropped: reconnect below unless closed.
    }
    if (!controller.signal.aborted) retry();
  };
  const retry = () => {
    handlers.onRetry?.();
    timer = setTimeout(connect, retryMs);
  };

  void connect();
  return () => {
    clearTimeout(timer);
    controller.abort();
  };
}
