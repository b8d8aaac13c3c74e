import net from 'node:net';
import pg from 'pg';
import type { Logger } from '../logger.ts';

type Handler = (payload: string) => void;

export interface ListenerOptions {
  /** How often the idle connection is asked a `SELECT 1` (default 10 s). */
  pingIntervalMs?: number;
  /** A ping unanswered this long ends the connection, and the listener reconnects (default 5 s). */
  pingTimeoutMs?: number;
}

/**
 * One dedicated connection per process for LISTEN/NOTIFY, shared by every subscriber.
 * It reconnects with backoff after losing the server, re-LISTENs every channel, and then
 * calls `onReconnect` handlers, since notifications sent while it was away are lost and
 * subscribers must re-read whatever they track.
 *
 * A connection that only listens sends nothing, so a server gone silent (a blackhole, a NAT that
 * forgot the flow: no reset) would leave it waiting for notifications that never come, for good;
 * workers would keep tenant states nobody announces any more (a suspension, a pause). So it is
 * pinged, and a ping unanswered ends it: the reconnect re-reads what was missed.
 */
export class Listener {
  private client: pg.Client | undefined;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectHandlers = new Set<() => void>();
  private closed = false;
  private connecting: Promise<void> | undefined;
  private retryDelayMs = 100;
  private pingTimer: NodeJS.Timeout | undefined;

  private readonly connectionString: string;
  private readonly logger: Logger;
  private readonly ping: Required<ListenerOptions>;

  constructor(connectionString: string, logger: Logger, options: ListenerOptions = {}) {
    this.connectionString = connectionString;
    this.logger = logger;
    this.ping = { pingIntervalMs: 10_000, pingTimeoutMs: 5_000, ...options };
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
    clearInterval(this.pingTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const socket = new net.Socket();
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: 'tenantry-listener',
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      stream: () => socket,
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
    this.keepPinging(client, socket);
  }

  private keepPinging(client: pg.Client, socket: net.Socket): void {
    clearInterval(this.pingTimer);
    let waiting = false;
    this.pingTimer = setInterval(() => {
      if (waiting || this.client !== client) return;
      waiting = true;
      const timeout = setTimeout(
        () =>
          socket.destroy(
            new Error(`listener connection did not answer a ping in ${this.ping.pingTimeoutMs} ms`),
          ),
        this.ping.pingTimeoutMs,
      ).unref();
      const answered = () => {
        clearTimeout(timeout);
        waiting = false;
      };
      client.query('SELECT 1').then(answered, answered);
    }, this.ping.pingIntervalMs).unref();
  }

  private reconnect(): void {
    clearInterval(this.pingTimer);
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
