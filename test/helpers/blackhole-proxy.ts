import net from 'node:net';
import { freePort } from './throwaway-postgres.ts';

/**
 * A TCP proxy on loopback to a PostgreSQL server that can drop what it is sent without closing
 * anything: a network blackhole (packets lost, no reset) as a client sees it, for the tests of
 * what notices one. Kernel-level keepalives are answered by the proxy itself, so only what the
 * application does (queries, pings) can find a frozen connection here.
 */
export class BlackholeProxy {
  readonly #server: net.Server;
  readonly #pairs = new Set<{ frozen: boolean; answersLost: boolean; sockets: net.Socket[] }>();
  /** New connections are accepted and never answered (the whole server unreachable). */
  acceptNothing = false;

  constructor(upstream: URL) {
    this.#server = net.createServer((client) => {
      client.on('error', () => {});
      if (this.acceptNothing) {
        this.#pairs.add({ frozen: true, answersLost: true, sockets: [client] });
        return;
      }
      const server = net.connect(Number(upstream.port || 5432), upstream.hostname);
      server.on('error', () => {});
      const pair = { frozen: false, answersLost: false, sockets: [client, server] };
      this.#pairs.add(pair);
      client.on('data', (chunk) => pair.frozen || server.write(chunk));
      server.on('data', (chunk) => pair.frozen || pair.answersLost || client.write(chunk));
      client.on('close', () => server.destroy());
      server.on('close', () => client.destroy());
    });
  }

  async listen(): Promise<number> {
    const port = await freePort();
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
    return port;
  }

  /** Every connection open now drops what either side sends, and stays open. */
  freezeOpen(): void {
    for (const pair of this.#pairs) pair.frozen = true;
  }

  /** Every connection open now loses what the server sends; the server still gets the queries. */
  loseAnswers(): void {
    for (const pair of this.#pairs) pair.answersLost = true;
  }

  async close(): Promise<void> {
    for (const pair of this.#pairs) for (const socket of pair.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A proxy to `databaseUrl`, and the same URL through it. */
export async function blackholeProxyTo(databaseUrl: string): Promise<{ proxy: BlackholeProxy; url: string }> {
  const proxy = new BlackholeProxy(new URL(databaseUrl));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(await proxy.listen());
  return { proxy, url: url.toString() };
}
