import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pgEnvironment } from '../../src/lifecycle/backup/connection-env.ts';
import { checkBackupTools } from '../../src/lifecycle/backup/index.ts';
import { parseToolVersion } from '../../src/lifecycle/backup/pg-tools.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

describe('backup --check', () => {
  let tdb: TestDatabase;
  let scratch: string;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'tenantry-check-'));
  });
  afterAll(async () => {
    await tdb.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it.skipIf(Boolean(inject('pgToolsMissing')))(
    'passes with the installed client tools and a writable directory',
    async () => {
      const report = await checkBackupTools(tdb.db, { backupDir: path.join(scratch, 'backups') });
      expect(report).toMatchObject({ ok: true, problems: [], hint: null });
      expect(report.server.major).toBeGreaterThanOrEqual(10);
      for (const tool of report.tools) {
        expect(tool).toMatchObject({ found: true, compatible: true });
        expect(tool.major).toBeGreaterThanOrEqual(report.server.major);
      }
      expect(report.backupDir).toEqual({ path: path.join(scratch, 'backups'), writable: true });
    },
  );

  it('says what is missing and how to install it', async () => {
    const blocker = path.join(scratch, 'a-file');
    await writeFile(blocker, '');
    const report = await checkBackupTools(tdb.db, {
      pgBinDir: path.join(scratch, 'no-such-bin'),
      backupDir: path.join(blocker, 'backups'),
    });
    expect(report.ok).toBe(false);
    expect(report.tools.map((t) => [t.tool, t.found, t.compatible])).toEqual([
      ['pg_dump', false, false],
      ['pg_restore', false, false],
    ]);
    expect(report.problems).toHaveLength(3);
    expect(report.problems[0]).toContain('pg_dump was not found');
    expect(report.backupDir?.writable).toBe(false);
    expect(report.hint).toContain(`postgresql-client-${report.server.major}`);
    expect(report.hint).toContain('BACKUP_DIR');
  });

  it('reads the versions client tools print', () => {
    expect(parseToolVersion('pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n')).toEqual({
      version: '15.20',
      major: 15,
    });
    expect(parseToolVersion('pg_restore (PostgreSQL) 17beta2')).toEqual({ version: '17', major: 17 });
    expect(parseToolVersion('pg_dump (PostgreSQL) 9.6.24')).toEqual({ version: '9.6.24', major: 9 });
    expect(parseToolVersion('something else')).toBeUndefined();
  });
});

describe('connection environment of the client tools', () => {
  it('carries the password in PGPASSWORD and nothing from the parent PG* variables', () => {
    const env = pgEnvironment(
      'postgres://app%40corp:p%40ss%3Aw0rd@db.internal:6432/tenantry?sslmode=verify-full&application_name=x&ssl=true',
      'tenantry-pg_dump-1',
      { PATH: '/usr/bin', PGPASSWORD: 'stale', PGHOST: 'elsewhere', PGPASSFILE: '/secrets/pgpass' },
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      PGPASSFILE: '/secrets/pgpass',
      PGHOST: 'db.internal',
      PGPORT: '6432',
      PGUSER: 'app@corp',
      PGPASSWORD: 'p@ss:w0rd',
      PGDATABASE: 'tenantry',
      PGSSLMODE: 'verify-full',
      PGAPPNAME: 'tenantry-pg_dump-1',
    });
  });

  it('understands socket directories, IPv6 hosts and node-postgres sslmode=no-verify', () => {
    expect(pgEnvironment('postgres:///tenantry?host=/var/run/postgresql', 'a', {})).toMatchObject({
      PGHOST: '/var/run/postgresql',
      PGDATABASE: 'tenantry',
    });
    expect(pgEnvironment('postgres://[::1]:5433/db?sslmode=no-verify', 'a', {})).toMatchObject({
      PGHOST: '::1',
      PGPORT: '5433',
      PGSSLMODE: 'require',
    });
  });
});
