import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findTenant } from '../../src/db/tenants.ts';
import { tenantSchema } from '../../src/tenancy.ts';
import { runCli } from '../helpers/cli.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema } from '../helpers/worker.ts';

/**
 * A `pg_restore` first on PATH that runs the real one on all but the archive's last 64 bytes,
 * through its stdin, kept open: the real tool creates the schema inside its transaction and
 * then waits for data that never comes, as a restore of a large tenant would be mid-copy.
 * The pids of the feeder, the real tool and the wrapper go to `marker` for the test to end.
 */
async function withheldRestoreTools(dir: string, marker: string): Promise<string> {
  const real = (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((d) => path.join(d, 'pg_restore'))
    .find((p) => !p.startsWith(dir) && existsSync(p));
  const script = `#!/bin/bash
case " $* " in *" --list "*) exec "${real}" "$@";; esac
args=("$@"); file="\${args[-1]}"; unset 'args[-1]'
{ echo "$BASHPID" >> "${marker}"; head -c "$(( $(wc -c < "$file") - 64 ))" "$file"; exec sleep 300; } |
  "${real}" "\${args[@]}" &
echo "$! $$" >> "${marker}"
wait
`;
  await writeFile(path.join(dir, 'pg_restore'), script);
  await chmod(path.join(dir, 'pg_restore'), 0o755);
  return `${dir}${path.delimiter}${process.env.PATH}`;
}

describe.skipIf(Boolean(inject('pgToolsMissing')))(
  'a restore whose process was killed while its pg_restore ran',
  { timeout: 120_000 },
  () => {
    let tdb: TestDatabase;
    let dir: string;
    let orphans: number[] = [];
    const env = () => ({
      DATABASE_URL: tdb.url,
      LOG_LEVEL: 'warn',
      BACKUP_DIR: path.join(dir, 'backups'),
      // The recovery's lock waits are bounded by it: an orphan that is not ended fails the
      // next restore after 15 s instead of holding it for the default hour.
      BACKUP_TIMEOUT_MS: '15000',
    });
    const restoreSessions = async () =>
      (
        await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name LIKE 'tenantry-pg\\_restore-%'
            AND backend_xid IS NOT NULL`.execute(tdb.db)
      ).rows[0]!.n;

    beforeAll(async () => {
      tdb = await cloneTestDatabase();
      dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-orphan-'));
      await createTenantWithSchema(tdb, { id: 'calm' });
      await sql`INSERT INTO ${sql.table(`${tenantSchema('calm')}.clients`)} (name) VALUES ('kept')`.execute(
        tdb.db,
      );
    });
    afterAll(async () => {
      for (const pid of orphans) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
      await tdb.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('ends the orphaned pg_restore on the next restore, which puts the data back and restores', async () => {
      const backup = await runCli(['tenants', 'backup', '--tenant', 'calm'], env());
      expect(backup.code, backup.stderr).toBe(0);

      const marker = path.join(dir, 'restoring');
      const child = spawn(process.execPath, ['bin/tenantry.js', 'tenants', 'restore', 'calm', '--latest'], {
        env: { ...process.env, ...env(), PATH: await withheldRestoreTools(dir, marker) },
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      const exited = once(child, 'exit');
      while ((await restoreSessions()) === 0) {
        if (child.exitCode !== null) throw new Error(`restore ended first: ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      orphans = (await readFile(marker, 'utf8')).trim().split(/\s+/).map(Number);

      // As the OOM killer or a container runtime would: no chance to stop its pg_restore.
      child.kill('SIGKILL');
      await exited;
      // The orphan is still there, its transaction open on the tenant's schema name.
      expect(await restoreSessions()).toBe(1);
      expect((await findTenant(tdb.db, 'calm'))?.status_reason).toBe('restore in progress');

      const again = await runCli(['tenants', 'restore', 'calm', '--latest'], env());
      expect(again.code, again.stderr).toBe(0);
      expect(await restoreSessions()).toBe(0);

      expect(await findTenant(tdb.db, 'calm')).toMatchObject({ status: 'active', status_reason: null });
      const { rows } = await sql<{ name: string }>`
        SELECT name FROM ${sql.table(`${tenantSchema('calm')}.clients`)}`.execute(tdb.db);
      expect(rows.map((r) => r.name)).toEqual(['kept']);
      const schemas = await sql<{ nspname: string }>`
        SELECT nspname FROM pg_namespace WHERE nspname LIKE ${`${tenantSchema('calm')}%`}`.execute(tdb.db);
      expect(schemas.rows.map((r) => r.nspname)).toEqual([tenantSchema('calm')]);
      const event = await sql<{ details: Record<string, unknown> }>`
        SELECT data AS details FROM tenantry.tenant_events
        WHERE tenant_id = 'calm' AND type = 'restored' ORDER BY id DESC LIMIT 1`.execute(tdb.db);
      expect(event.rows[0]?.details).toMatchObject({
        recovered: 'put_back_live_schema',
        orphaned_tool_sessions_ended: 1,
      });
    });
  },
);
