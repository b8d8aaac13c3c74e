import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { findTenant } from '../../src/db/tenants.ts';
import { findExport } from '../../src/exports/repository.ts';
import { suspend } from '../../src/lifecycle/status.ts';
import { tenantSchema } from '../../src/tenancy.ts';
import { runCli } from '../helpers/cli.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema } from '../helpers/worker.ts';

/**
 * A `pg_restore` first on PATH that reads archives as the real one does (`--list`) but, asked to
 * restore, says so in a marker file and sleeps: the command is interrupted while its restore
 * runs, every time, with the tenant's schema set aside and its jobs paused.
 */
async function stalledRestoreTools(dir: string, marker: string): Promise<string> {
  const real = (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((d) => path.join(d, 'pg_restore'))
    .find((p) => !p.startsWith(dir) && existsSync(p));
  const script = `#!/bin/sh
case " $* " in *" --list "*) exec "${real}" "$@";; esac
echo "$$" > "${marker}"
exec sleep 120
`;
  await writeFile(path.join(dir, 'pg_restore'), script);
  await chmod(path.join(dir, 'pg_restore'), 0o755);
  return `${dir}${path.delimiter}${process.env.PATH}`;
}

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
  'Ctrl-C during an operator restore',
  { timeout: 120_000 },
  () => {
    let tdb: TestDatabase;
    let dir: string;
    const env = () => ({ DATABASE_URL: tdb.url, LOG_LEVEL: 'warn', BACKUP_DIR: path.join(dir, 'backups') });

    beforeAll(async () => {
      tdb = await cloneTestDatabase();
      dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-interrupt-'));
      await createTenantWithSchema(tdb, { id: 'calm' });
      await sql`INSERT INTO ${sql.table(`${tenantSchema('calm')}.clients`)} (name) VALUES ('kept')`.execute(
        tdb.db,
      );
    });
    afterAll(async () => {
      await tdb.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('puts the previous schema back, resumes the tenant and exits 130', async () => {
      const backup = await runCli(['tenants', 'backup', '--tenant', 'calm'], env());
      expect(backup.code, backup.stderr).toBe(0);

      const marker = path.join(dir, 'restoring');
      const child = spawn(process.execPath, ['bin/tenantry.js', 'tenants', 'restore', 'calm', '--latest'], {
        env: { ...process.env, ...env(), PATH: await stalledRestoreTools(dir, marker) },
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      const exited = once(child, 'exit');
      while (!(await readFile(marker, 'utf8').catch(() => ''))) {
        if (child.exitCode !== null) throw new Error(`restore ended first: ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const sleeper = Number((await readFile(marker, 'utf8')).trim());
      // Mid-restore: the live schema is set aside and the tenant paused.
      expect((await findTenant(tdb.db, 'calm'))?.status_reason).toBe('restore in progress');

      // As a terminal's Ctrl-C would, to the command (its pg_restore is stopped by the command).
      child.kill('SIGINT');
      const [code] = await exited;
      expect(code).toBe(130);
      expect(stderr).toMatch(/^tenantry: interrupted: the restore of calm was stopped$/m);

      const tenant = await findTenant(tdb.db, 'calm');
      expect(tenant).toMatchObject({ status: 'active', status_reason: null });
      const { rows } = await sql<{ name: string }>`
      SELECT name FROM ${sql.table(`${tenantSchema('calm')}.clients`)}`.execute(tdb.db);
      expect(rows.map((r) => r.name)).toEqual(['kept']);
      const schemas = await sql<{ nspname: string }>`
      SELECT nspname FROM pg_namespace WHERE nspname LIKE ${`${tenantSchema('calm')}%`}`.execute(tdb.db);
      expect(schemas.rows.map((r) => r.nspname)).toEqual([tenantSchema('calm')]);
      // The stalled pg_restore did not outlive the command.
      expect(() => process.kill(sleeper, 0)).toThrow();
      // No decrypted or partial file left beside the backups.
      const left = await readdir(path.join(dir, 'backups'), { recursive: true });
      expect(left.filter((f) => path.basename(f).startsWith('.'))).toEqual([]);
    });
  },
);
