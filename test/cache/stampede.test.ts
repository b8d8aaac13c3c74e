import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

const FIXTURE = 'test/cache/fixtures/remember-child.ts';
const PROCESSES = 5;

interface Child {
  process: ChildProcess;
  output: () => string;
  ready: Promise<void>;
  exited: Promise<number | null>;
}

function startChild(env: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, [FIXTURE], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.startsWith('ready\n')) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    exited.then((code) => reject(new Error(`child exited with ${code} before it was ready: ${err}`)));
  });
  return { process: child, output: () => out, ready, exited };
}

describe('remember across processes', () => {
  let tdb: TestDatabase;
  let children: Child[] = [];
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
  });
  afterEach(() => {
    for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
    children = [];
  });
  afterAll(async () => {
    await tdb.close();
  });

  const stores = [
    { store: 'postgres', enabled: true },
    { store: 'redis', enabled: Boolean(inject('redisUrl')) },
  ] as const;

  for (const { store, enabled } of stores) {
    it.skipIf(!enabled)(
      `computes once for ${PROCESSES} processes missing one key together (${store})`,
      async () => {
        const key = `report:${store}:${Date.now()}`;
        children = Array.from({ length: PROCESSES }, () =>
          startChild({
            CACHE_STORE: store,
            DATABASE_URL: tdb.url,
            REDIS_URL: inject('redisUrl'),
            CACHE_TENANT: `stampede-${process.pid}`,
            CACHE_KEY: key,
          }),
        );
        await Promise.all(children.map((c) => c.ready));
        for (const child of children) child.process.stdin?.write('go\n');
        const codes = await Promise.all(children.map((c) => c.exited));
        expect(codes).toEqual(children.map(() => 0));

        const lines = children.flatMap((c) => c.output().trim().split('\n'));
        expect(lines.filter((l) => l === 'computed')).toHaveLength(1);
        const results = lines.filter((l) => l.startsWith('result ')).map((l) => l.slice('result '.length));
        expect(results).toHaveLength(PROCESSES * 3);
        expect(new Set(results).size).toBe(1);
      },
      60_000,
    );
  }
});
