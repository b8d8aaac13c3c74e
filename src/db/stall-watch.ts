import net from 'node:net';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { probeSessions, type Session, sessionStart } from './stall-probe.ts';

/**
 * Finds pooled connections whose query waits on a server that no longer answers (a network
 * blackhole, a NAT that forgot the flow, a frozen host) and destroys them, so their queries fail
 * at once with a connection error (503 in the API, a retry in the worker) instead of waiting for
 * TCP to give up, which takes ~15 minutes of retransmissions, and the pool no longer hands out a
 * connection that can never answer.
 *
 * A slow query is not a stall. A connection whose query has had no byte in either direction for
 * `stallMs` (seen within 1.5 x `stallMs`) is looked up on a fresh connection by its session's pid
 * and start time, recorded when it connected. It is destroyed only when the probe cannot reach
 * the server at all within `probeTimeoutMs` (not a byte back), or when its session is gone, has
 * been idle for a second (the query or its answer was lost on the way), or is blocked
 * writing to us (`ClientWrite`) while nothing arrives; and only if the connection made no
 * progress while the probe ran. A session still alive is terminated first, so an open
 * transaction's locks are not held by a session nobody can reach (when the server is
 * unreachable, its own timeouts end the session). A query the server is still running (a slow
 * query, a lock wait) is left alone and looked at again after another `stallMs`. Connections
 * whose pid is not their session's (a pooler in between) and cursors are not watched.
 */
export interface StallWatchOptions {
  /** What the pool's connections use; the probe connects the same way. */
  clientConfig: pg.ClientConfig;
  stallMs: number;
  probeTimeoutMs?: number;
}

type PassThrough = (this: pg.Client, ...args: unknown[]) => unknown;

interface Watched {
  socket: net.Socket;
  client: pg.Client;
  /** The session behind the connection (pid, start in µs since the epoch), once identified. */
  session: Session | undefined;
  /** Queries sent and not yet answered. */
  outstanding: number;
  /** Bumped by every query sent or answered: a probe's verdict holds only if it did not move. */
  run: number;
  /** Last sign of progress (performance.now()): a query sent or answered, bytes either way. */
  since: number;
  bytesRead: number;
  bytesWritten: number;
}

type Snapshot = Pick<Watched, 'run' | 'bytesRead' | 'bytesWritten'> & { state: Watched };

export class StallWatch {
  readonly #options: Required<StallWatchOptions>;
  readonly #states = new WeakMap<pg.Client, Watched>();
  readonly #waiting = new Set<Watched>();
  #timer: NodeJS.Timeout | undefined;
  #lastTick = 0;
  #probing = false;

  constructor(options: StallWatchOptions) {
    this.#options = { probeTimeoutMs: 5_000, ...options };
  }

  get #interval(): number {
    return Math.max(50, this.#options.stallMs / 2);
  }

  /** A pg.Client class for the pool's `Client` option: its queries are watched by this. */
  clientClass(): typeof pg.Client {
    const watch = this;
    return class WatchedClient extends pg.Client {
      readonly #state: Watched;
      constructor(config?: pg.ClientConfig) {
        const socket = new net.Socket();
        super({ ...config, stream: () => socket });
        this.#state = {
          socket,
          client: this,
          session: undefined,
          outstanding: 0,
          run: 0,
          since: 0,
          bytesRead: 0,
          bytesWritten: 0,
        };
        watch.#states.set(this, this.#state);
        // Queries whose callbacks node-postgres drops when the connection ends count no more.
        this.on('end', () => {
          this.#state.outstanding = 0;
          watch.#waiting.delete(this.#state);
        });
      }

      // biome-ignore lint/suspicious/noExplicitAny: pg's query() has a dozen overloads; this passes them through.
      override query(...args: any[]): any {
        // Submittables (cursors) span many round trips and pause between them: not watched.
        if (typeof args[0]?.submit === 'function') return (super.query as PassThrough).apply(this, args);
        const done = watch.#begin(this.#state);
        const last = args.length - 1;
        const withCallback = typeof args[last] === 'function';
        if (withCallback) {
          const callback = args[last] as (err: unknown, res: unknown) => void;
          args[last] = (err: unknown, res: unknown) => {
            done();
            callback(err, res);
          };
        }
        let result: unknown;
        try {
          result = (super.query as PassThrough).apply(this, args);
        } catch (err) {
          done();
          throw err;
        }
        if (result instanceof Promise) result.then(done, done);
        // A query whose end this cannot see (a callback inside its config) is not watched: left
        // counted, a healthy connection would be taken for a stalled one.
        else if (!withCallback) done();
        return result;
      }
    };
  }

  /**
   * For the pool's `onConnect`: records the session behind a new connection. One round trip per
   * connection; a connection whose session cannot be told (a pooler in between) is not watched.
   */
  async identify(client: pg.ClientBase): Promise<void> {
    const state = this.#states.get(client as pg.Client);
    if (!state) return;
    // The pool's connect timeout has ended by now, and this query cannot be judged (no session
    // yet): its own bound, or a blackhole here would hold the pool's slot until TCP gives up.
    const timer = setTimeout(() => this.#destroy(state), this.#options.probeTimeoutMs).unref();
    try {
      const { rows } = await client.query<{ pid: number; start: string }>(
        `SELECT pid, ${sessionStart('backend_start')} AS start FROM pg_stat_activity WHERE pid = pg_backend_pid()`,
      );
      const row = rows[0];
      if (row && row.pid === pidOf(state)) state.session = { pid: row.pid, start: row.start };
    } catch (err) {
      // A connection lost here fails its checkout (the pool ends it); any other failure leaves
      // it unwatched and as good as it was.
      if (state.socket.destroyed) throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  #begin(state: Watched): () => void {
    state.run++;
    if (state.outstanding++ === 0) {
      state.since = performance.now();
      state.bytesRead = state.socket.bytesRead;
      state.bytesWritten = state.socket.bytesWritten;
      this.#waiting.add(state);
      if (!this.#timer) {
        this.#lastTick = performance.now();
        this.#timer = setInterval(() => this.#tick(), this.#interval).unref();
      }
    }
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      state.run++;
      state.since = performance.now();
      if (state.outstanding > 0 && --state.outstanding === 0) this.#waiting.delete(state);
    };
  }

  /** Stops the timer; a later query starts it again. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    // The timer stops at a tick that finds nothing waiting, not when a query ends: at thousands
    // of queries a second, a timer made and cleared around each one cost more than the watch.
    if (this.#waiting.size === 0 && !this.#probing) {
      this.stop();
      return;
    }
    const now = performance.now();
    // A tick this late means the event loop itself was held (a CPU-bound handler, a paused
    // process): answers may sit unread in the sockets, so nothing is judged on this one.
    const late = now - this.#lastTick > this.#interval * 1.5 + 100;
    this.#lastTick = now;
    const stalled: Snapshot[] = [];
    for (const state of this.#waiting) {
      const { bytesRead, bytesWritten } = state.socket;
      if (late || bytesRead !== state.bytesRead || bytesWritten !== state.bytesWritten) {
        Object.assign(state, { bytesRead, bytesWritten, since: now });
      } else if (
        now - state.since >= this.#options.stallMs &&
        state.session &&
        state.socket.writableLength === 0
      ) {
        stalled.push({ state, run: state.run, bytesRead, bytesWritten });
      }
    }
    if (stalled.length > 0 && !this.#probing) {
      this.#probing = true;
      void this.#probe(stalled).finally(() => {
        this.#probing = false;
      });
    }
  }

  async #probe(stalled: Snapshot[]): Promise<void> {
    const verdict = await probeSessions(
      this.#options.clientConfig,
      this.#options.probeTimeoutMs,
      stalled.map((s) => s.state.session!),
      (i) => unmoved(stalled[i]!),
    );
    for (const [i, snap] of stalled.entries()) {
      // Unreachable: every stalled connection waits on nothing. Unknown: looked at again later.
      const lost = verdict === 'unreachable' || (Array.isArray(verdict) && verdict[i]);
      if (lost && unmoved(snap)) this.#destroy(snap.state);
      else snap.state.since = performance.now();
    }
  }

  #destroy(state: Watched): void {
    if (state.outstanding === 0) return;
    const err = Object.assign(
      new Error(`the database did not answer for ${this.#options.stallMs} ms; connection presumed lost`),
      { code: 'ETIMEDOUT' },
    );
    this.#waiting.delete(state);
    state.socket.destroy(err);
  }
}

/** Nothing happened on the connection since the snapshot: no query sent or answered, no byte. */
function unmoved(snap: Snapshot): boolean {
  const { state } = snap;
  return (
    state.outstanding > 0 &&
    state.run === snap.run &&
    state.socket.bytesRead === snap.bytesRead &&
    state.socket.bytesWritten === snap.bytesWritten
  );
}

/** The backend's pid, known once the connection is up (node-postgres sets it; its types omit it). */
function pidOf(state: Watched): number | null {
  return (state.client as unknown as { processID: number | null }).processID;
}
