import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, createPool } from '../src/db/database.ts';
import { databaseState } from '../src/health.ts';
import type { App } from '../src/http/app.ts';
import { buildTestApp } from './helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from './helpers/database.ts';

describe('GET /health and /ready', () => {
  let tdb: TestDatabase;
  let app: App;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    app = await buildTestApp(tdb.db, {
      workers: async () => ({ tasks_processed: 7, tasks_failed: 1, active_workers: 5, stalled_workers: 0 }),
    });
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it('reports the seed fields with the database up, without a key', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'healthy',
      database: 'connected',
      redis: 'not_configured',
      cache: { store: 'postgres', state: 'connected' },
      workers: { tasks_processed: 7, tasks_failed: 1, active_workers: 5, stalled_workers: 0 },
    });
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
  });

  it('answers 503 when the database is unreachable', async () => {
    // A pool aimed at a port nothing listens on: the database is down for this app.
    const downPool = createPool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1 });
    const downDb = createDb(downPool);
    const down = await buildTestApp(downDb, { database: () => databaseState(downDb) });
    try {
      const res = await down.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'unhealthy', database: 'disconnected' });
      const ready = await down.inject({ method: 'GET', url: '/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ status: 'not_ready' });
    } finally {
      await down.close();
      await downDb.destroy();
    }
  });

  it('answers a flood of probes with one look at the dependencies', async () => {
    let looks = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const flooded = await buildTestApp(tdb.db, {
      workers: async () => {
        looks++;
        await gate;
        return { tasks_processed: 1, tasks_failed: 0, active_workers: 1, stalled_workers: 0 };
      },
    });
    try {
      // Every probe arrives while the first look is still out: they all share it.
      const probes = Array.from({ length: 200 }, () => flooded.inject({ method: 'GET', url: '/health' }));
      await new Promise((resolve) => setImmediate(resolve));
      release();
      const answers = await Promise.all(probes);
      expect(answers.every((res) => res.statusCode === 200)).toBe(true);
      expect(answers[199]!.json()).toMatchObject({ status: 'healthy', workers: { active_workers: 1 } });
      expect(looks).toBe(1);
    } finally {
      await flooded.close();
    }
  });
});
