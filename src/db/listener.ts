import pg from 'pg';
import type { Logger } from '../logger.ts';

type Handler = (payload: string) => void;

/**
 * One dedicated connection per process for LISTEN/NOTIFY, shared by every subscriber.
 * It reconnects with backoff after losing the server, re-LISTENs every channel, and then
 * calls `onReconnect` handlers, since notifications sent while it was away are lost and
 * subscribers must re-read whatever they track.
 */
export class Listener {
  private client: pg.Client | undefined;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectHandlers = new Set<() => void>();
  private closed = false;
  private connecting: Promise<void> | undefined;
  private retryDelayMs = 100;

  private readonly connectionString: string;
  private readonly logger: Logger;

  constructor(connectionString: string, logger: Logger) {
    this.connectionString = connectionString;
    this.logger = logger;
  }

  async start(): Promise<void> {
    this.connecting ??= this.connect();
    await this.connecting;
  }

  /** Subscribes to `channel`; the returned function unsubscribes. */
  async listen(channel: string, handler: Handler): Promise<() => void> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await this.client?.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: 'tenantry-listener',
    });
    client.on('notification', ({ channel, payload }) => {
      for (const handler of this.handlers.get(channel) ?? []) {
        try {
          handler(payload ?? '');
        } catch (err) {
          this.logger.error({ err, channel }, 'notification handler failed');
        }
      }
    });
    client.on('error', (err) => this.logger.warn({ err }, 'listener connection error'));
    client.on('end', () => {
      if (this.client === client) this.reconnect();
    });
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    this.client = client;
    this.retryDelayMs = 100;
  }

  private reconnect(): void {
    this.client = undefined;
    if (this.closed) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, 5000);
    setTimeout(() => {
      if (this.closed) return;
      this.connect().then(
        () => {
          for (const handler of this.reconnectHandlers) handler();
        },
        (err) => {
          this.logger.warn({ err, delay }, 'listener reconnect failed');
          this.reconnect();
        },
      );
    }, delay).unref();
  }
}
