import type { Logger } from '../logger.ts';
import { Listener } from './listener.ts';

/**
 * A LISTEN connection opened when first needed (a process's first event stream, say), with
 * the channels and reconnect handling `setup` gives it. Callers waiting on `start()` while it
 * opens share the one opening; a failed opening is not kept, so the next caller tries again.
 */
export class ListenerOnDemand {
  private listener: Listener | undefined;
  private starting: Promise<void> | undefined;

  private readonly connectionString: string;
  private readonly logger: Logger;
  private readonly setup: (listener: Listener) => Promise<void>;

  constructor(connectionString: string, logger: Logger, setup: (listener: Listener) => Promise<void>) {
    this.connectionString = connectionString;
    this.logger = logger;
    this.setup = setup;
  }

  /** Resolves once notifications are flowing. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      const listener = new Listener(this.connectionString, this.logger);
      this.listener = listener;
      await this.setup(listener);
      await listener.start();
    })();
    this.starting.catch(() => {
      this.starting = undefined;
      this.listener = undefined;
    });
    return this.starting;
  }

  async close(): Promise<void> {
    const listener = this.listener;
    this.listener = undefined;
    this.starting = undefined;
    await listener?.close();
  }
}
