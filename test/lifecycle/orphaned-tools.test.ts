import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertTenant } from '../../src/db/tenants.ts';
import { endOrphanedToolSessions, toolSessionName } from '../../src/lifecycle/backup/tool-sessions.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { holdBackupLock } from './fixtures.ts';

/**
 * A worker killed during a backup leaves its pg_dump running (a child process), holding its
 * tables' locks; the background check ends such sessions of tenants whose backup lock no live
 * backup or restore holds, and leaves a live one's alone.
 */
describe('tool sessions whose backup or restore process died', () => {
  let tdb: TestDatabase;
  const clients: pg.Client[] = [];

  /** A session named as a pg_dump of `tenant` is, busy for a minute. */
  const toolSession = async (tenant: string) => {
    const name = toolSessionName('pg_dump', tenant);
    const client = new pg.Client({ connectionString: tdb.url, application_name: name });
    await client.connect();
    client.on('error', () => {});
    clients.push(client);
    const running = client.query('SELECT pg_sleep(60)').then(
      () => 'finished',
      () => 'ended',
    );
    return { running, name };
  };
  const alive = async (name: string) => {
    const { rows } = await tdb.pool.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [
      name,
    ]);
    return rows.length > 0;
  };

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    for (const id of ['acme', 'globex']) await insertTenant(tdb.db, { id, name: id });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await tdb.close();
  });

  it('ends the orphans of a tenant nothing backs up or restores now, not those of a live backup', async () => {
    expect(await endOrphanedToolSessions(tdb.db)).toEqual([]);
    const orphan = await toolSession('acme');
    const live = await toolSession('globex');
    const backup = await holdBackupLock(tdb.db, 'globex', 'shared');
    try {
      while (!(await alive(orphan.name)) || !(await alive(live.name)))
        await new Promise((r) => setTimeout(r, 20));
      expect(await endOrphanedToolSessions(tdb.db)).toEqual(['acme']);
      expect(await orphan.running).toBe('ended');
      expect(await alive(orphan.name)).toBe(false);
      expect(await alive(live.name)).toBe(true);
    } finally {
      backup.release();
      await backup.held;
    }
  });
});
