import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findTenant } from '../../src/db/tenants.ts';
import { findExport } from '../../src/exports/repository.ts';
import { recoverAbandonedRestores } from '../../src/lifecycle/restore-recovery.ts';
import { suspend } from '../../src/lifecycle/status.ts';
import { createLogger } from '../../src/logger.ts';
import { registry } from '../../src/tasks/index.ts';
import { tenantSchema } from '../../src/tenancy.ts';
import { runCli } from '../helpers/cli.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema, startTestWorker } from '../helpers/worker.ts';
import { events, schemaNames } from './fixtures.ts';
import { interposePgRestore, startRestore, whileRestoring } from './restore-tools.ts';

describe('Ctrl-C while following an export that cannot start', { timeout: 120_000 }, () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await createTenantWithSchema(tdb, { id: 'held' });
    await suspend(tdb.db, 'held', 'unpaid');
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('says why it may wait, then stops following (the export stays queued) with exit 130', async () => {
    const child = spawn(
      process.execPath,
      ['bin/tenantry.js', 'exports', 'create', '--tenant', 'held', '--type', 'clients'],
      { env: { ...process.env, DATABASE_URL: tdb.url, LOG_LEVEL: 'warn' } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    const exited = once(child, 'exit');
    while (!err.includes('no worker')) {
      if (child.exitCode !== null) throw new Error(`ended first: ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(err).toMatch(/^note: tenant held is suspended; the export waits until it is active$/m);
    expect(err).toMatch(/^note: no worker has reported in the last minute/m);
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(130);
    const id = out.match(/^export (\d+) \(job log \d+\)$/m)![1]!;
    expect(err).toContain(
      `interrupted: following export ${id} (it goes on: tenantry exports status ${id}) was stopped`,
    );
    expect((await findExport(tdb.db, id))?.status).toBe('pending');
  });
});

describe.skipIf(Boolean(inject('pgToolsMissing')))(
  'an operator restore interrupted',
  { timeout: 120_000 },
  () => {
    let tdb: TestDatabase;
    let dir: string;
    const orphans: number[] = [];
    const env = () => ({
      DATABASE_URL: tdb.url,
      LOG_LEVEL: 'warn',
      BACKUP_DIR: path.join(dir, 'backups'),
      // The restore's lock waits are bounded by it: a pg_restore left running would fail the
      // next restore after 15 s instead of holding it for the default hour.
      BACKUP_TIMEOUT_MS: '15000',
      // A command killed outright is a dead worker to the next one (its restore runs as a job
      // in the command's own worker): declared dead after this much silence.
      WORKER_RESCUE_AFTER_MS: '2000',
    });
    /** Sessions of a pg_restore that has begun writing (its transaction holds the schema). */
    const restoreSessions = async () =>
      (
        await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name LIKE 'tenantry-pg\\_restore-%'
            AND backend_xid IS NOT NULL`.execute(tdb.db)
      ).rows[0]!.n;
    const clientNames = async () =>
      (
        await sql<{ name: string }>`SELECT name FROM ${sql.table(`${tenantSchema('calm')}.clients`)}`.execute(
          tdb.db,
        )
      ).rows.map((r) => r.name);

    beforeAll(async () => {
      tdb = await cloneTestDatabase();
      dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-interrupt-'));
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

    it('on Ctrl-C puts the previous schema back, resumes the tenant and exits 130', async () => {
      const backup = await runCli(['tenants', 'backup', '--tenant', 'calm'], env());
      expect(backup.code, backup.stderr).toBe(0);

      const marker = path.join(dir, 'restoring');
      // Asked to restore, it says so in a marker file and sleeps: the command is interrupted
      // while its restore runs, every time, with the schema set aside and the jobs paused.
      const PATH = await interposePgRestore(dir, () => `echo "$$" > "${marker}"\nexec sleep 120`);
      const restore = startRestore('calm', { ...env(), PATH });
      await whileRestoring(restore, async () => Boolean(await readFile(marker, 'utf8').catch(() => '')));
      const sleeper = Number((await readFile(marker, 'utf8')).trim());
      // Mid-restore: the live schema is set aside and the tenant paused.
      expect((await findTenant(tdb.db, 'calm'))?.status_reason).toBe('restore in progress');

      // As a terminal's Ctrl-C would, to the command (its pg_restore is stopped by the command).
      restore.child.kill('SIGINT');
      const [code] = await restore.exited;
      expect(code).toBe(130);
      expect(restore.stderr()).toMatch(/^tenantry: interrupted: the restore of calm was stopped$/m);

      const tenant = await findTenant(tdb.db, 'calm');
      expect(tenant).toMatchObject({ status: 'active', status_reason: null });
      expect(await clientNames()).toEqual(['kept']);
      expect(await schemaNames(tdb, 'calm')).toEqual([tenantSchema('calm')]);
      // The stalled pg_restore did not outlive the command.
      expect(() => process.kill(sleeper, 0)).toThrow();
      // No decrypted or partial file left beside the backups.
      const left = await readdir(path.join(dir, 'backups'), { recursive: true });
      expect(left.filter((f) => path.basename(f).startsWith('.'))).toEqual([]);
    });

    /**
     * A restore whose real pg_restore gets all but the archive's last 64 bytes through its
     * stdin, kept open: it creates the schema inside its transaction and waits for data that
     * never comes, as a restore of a large tenant would mid-copy. The feeder's, the tool's and
     * the script's pids go to a marker, for the test to end them. Resolves once it is there.
     */
    const restoreMidCopy = async () => {
      const backup = await runCli(['tenants', 'backup', '--tenant', 'calm'], env());
      expect(backup.code, backup.stderr).toBe(0);
      const marker = path.join(dir, `orphans-${Date.now()}`);
      const PATH = await interposePgRestore(
        dir,
        (real) => `args=("$@"); file="\${args[-1]}"; unset 'args[-1]'
{ echo "$BASHPID" >> "${marker}"; head -c "$(( $(wc -c < "$file") - 64 ))" "$file"; exec sleep 300; } |
  "${real}" "\${args[@]}" &
echo "$! $$" >> "${marker}"
wait`,
      );
      const restore = startRestore('calm', { ...env(), PATH });
      await whileRestoring(restore, async () => (await restoreSessions()) > 0);
      orphans.push(...(await readFile(marker, 'utf8')).trim().split(/\s+/).map(Number));
      return restore;
    };
    /** As the OOM killer or a container runtime would: no chance to stop its pg_restore. */
    const killOutright = async (restore: Awaited<ReturnType<typeof restoreMidCopy>>) => {
      restore.child.kill('SIGKILL');
      await restore.exited;
      // The orphan is still there, its transaction open on the tenant's schema name.
      expect(await restoreSessions()).toBe(1);
      expect((await findTenant(tdb.db, 'calm'))?.status_reason).toBe('restore in progress');
    };

    it('killed outright, its pg_restore running on, is finished by the next restore', async () => {
      await killOutright(await restoreMidCopy());

      const again = await runCli(['tenants', 'restore', 'calm', '--latest'], env());
      expect(again.code, again.stderr).toBe(0);
      expect(await restoreSessions()).toBe(0);
      expect(await findTenant(tdb.db, 'calm')).toMatchObject({ status: 'active', status_reason: null });
      expect(await clientNames()).toEqual(['kept']);
      expect(await schemaNames(tdb, 'calm')).toEqual([tenantSchema('calm')]);
      expect((await events(tdb, 'calm', 'restored')).at(-1)).toMatchObject({
        recovered: 'put_back_live_schema',
        orphaned_tool_sessions_ended: 1,
      });
    });

    it('killed outright, is finished by a worker without a second restore, and a live one is left alone', async () => {
      const restore = await restoreMidCopy();
      // Running: its process holds the tenant's backup lock, so it is not taken for dead.
      expect(await recoverAbandonedRestores(tdb.db, 15_000, createLogger('silent', false))).toEqual([]);
      expect((await findTenant(tdb.db, 'calm'))?.status_reason).toBe('restore in progress');
      await killOutright(restore);

      const worker = await startTestWorker(tdb, { registry, env: { RECONCILE_INTERVAL_MS: '1000' } });
      try {
        await expect
          .poll(async () => (await findTenant(tdb.db, 'calm'))?.status, { timeout: 20_000 })
          .toBe('active');
      } finally {
        await worker.stop();
      }
      expect(await restoreSessions()).toBe(0);
      expect(await clientNames()).toEqual(['kept']);
      expect(await schemaNames(tdb, 'calm')).toEqual([tenantSchema('calm')]);
      expect((await events(tdb, 'calm', 'restored')).at(-1)).toMatchObject({
        outcome: 'interrupted',
        recovered: 'put_back_live_schema',
        orphaned_tool_sessions_ended: 1,
      });
    });
  },
);
