import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

// Each command is a fresh process that compiles the sources on start: generous limits.
describe('tenantry tenants, schedule and migrate commands', { timeout: 180_000 }, () => {
  let tdb: TestDatabase;
  let backupDir: string;
  const tenantry = (args: string[]) =>
    runCli(args, { DATABASE_URL: tdb.url, LOG_LEVEL: 'warn', BACKUP_DIR: backupDir });

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    backupDir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-cli-backups-'));
  });
  afterAll(async () => {
    await tdb.close();
    await rm(backupDir, { recursive: true, force: true });
  });

  it('provisions, changes status and settings, and lists', async () => {
    const made = await tenantry([
      'tenants',
      'provision',
      '--id',
      'cli',
      '--name',
      'CLI Co',
      '--plan',
      'pro',
      '--owner',
      'ops@cli.test',
    ]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/api key \(shown once\): tnt_/);
    expect((await tenantry(['tenants', 'suspend', 'cli', '--reason', 'late payment'])).stdout).toMatch(
      /cli: suspended \(late payment\)/,
    );
    expect((await tenantry(['tenants', 'activate', 'cli'])).stdout).toMatch(/cli: active/);
    const settings = await tenantry(['tenants', 'settings', 'cli', '{"timezone":"Europe/Madrid"}']);
    expect(JSON.parse(settings.stdout)).toEqual({ timezone: 'Europe/Madrid' });
    const bad = await tenantry(['tenants', 'settings', 'cli', '{"timezone":"Nope/Nope"}']);
    expect(bad.code).not.toBe(0);
    const usage = await tenantry(['tenants', 'can-provision', '--owner', 'OPS@cli.test', '--plan', 'pro']);
    expect(usage.code, usage.stderr).toBe(0);
    expect(usage.stdout).toMatch(/^pro\s+5\s+1\s+4\s+yes$/m);
    // At its plan's limit: "no", and exit 1 for a script to test.
    const full = await runCli(['tenants', 'can-provision', '--owner', 'ops@cli.test', '--plan', 'pro'], {
      DATABASE_URL: tdb.url,
      PLAN_LIMITS: 'free=1,pro=1,business=50',
    });
    expect(full.code).toBe(1);
    expect(full.stdout).toMatch(/^pro\s+1\s+1\s+0\s+no$/m);
    const plans = await runCli(['tenants', 'plans'], {
      PLAN_LIMITS: 'free=1,pro=5',
      PLAN_SCHEDULING: 'pro:concurrency=10,weight=4,rate=100/1m',
    });
    expect(plans.code, plans.stderr).toBe(0);
    expect(plans.stdout).toMatch(/^free\s+1\s+tenant's\s+1\s+none$/m);
    expect(plans.stdout).toMatch(/^pro\s+5\s+10\s+4\s+100\/1m$/m);
    const badPlans = await runCli(['tenants', 'plans'], { PLAN_SCHEDULING: 'pro:speed=9' });
    expect([badPlans.code, badPlans.stderr]).toEqual([
      1,
      expect.stringMatching(/^tenantry: PLAN_SCHEDULING: /),
    ]);
    const list = await tenantry(['tenants', 'list']);
    expect(list.stdout).toMatch(/^cli\s+CLI Co\s+pro\s+active/m);
    // An unknown tenant is named, as restore --latest names it (it listed "(none)", exit 0).
    const unknown = await tenantry(['tenants', 'restore', 'nosuch', '--list']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('tenantry: tenant nosuch was not found');
  });

  it('rotates a key: create, list, revoke; bad input is one line and exit 1', async () => {
    const created = await tenantry(['tenants', 'keys', 'create', 'cli', '--name', 'ci']);
    expect(created.code, created.stderr).toBe(0);
    const id = /created key (\d+) \((tnt_[\w-]+)\)/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(created.stdout).toMatch(/api key \(shown once\): tnt_/);
    expect((await tenantry(['tenants', 'keys', 'revoke', 'cli', id!])).stdout).toMatch(
      `revoked key ${id} of cli`,
    );
    const list = await tenantry(['tenants', 'keys', 'list', 'cli']);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+ci\\s+tnt_[\\w-]+\\s+\\S+.*\\d{4}-\\d\\d-\\d\\d`, 'm'));
    const again = await tenantry(['tenants', 'keys', 'revoke', 'cli', id!]);
    expect([again.code, again.stderr.trim()]).toEqual([
      1,
      `tenantry: API key ${id} of tenant cli was not found`,
    ]);
    const bad = await tenantry(['tenants', 'keys', 'revoke', 'cli', 'abc']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/keyId.*must be a key id/);
  });

  it.skipIf(Boolean(inject('pgToolsMissing')))(
    'backs up all tenants, restores the latest, runs a dry-run maintenance and reports health',
    async () => {
      await tenantry(['tenants', 'provision', '--id', 'cli-two', '--name', 'Two', '--plan', 'pro']);
      const backup = await tenantry(['tenants', 'backup', '--all', '--keep', '2']);
      expect(backup.code, backup.stderr).toBe(0);
      expect(backup.stdout).toMatch(/cli-two\s+tenant_cli-two_/);
      const listed = await tenantry(['tenants', 'restore', 'cli', '--list']);
      expect(listed.stdout).toMatch(/tenant_cli_\d{4}/);
      const restored = await tenantry(['tenants', 'restore', 'cli', '--latest']);
      expect(restored.code, restored.stderr).toBe(0);
      const dry = await tenantry([
        'tenants',
        'maintenance',
        '--all',
        '--vacuum',
        '--cleanup',
        '--days',
        '30',
        '--dry-run',
      ]);
      expect(dry.code, dry.stderr).toBe(0);
      expect(
        dry.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).dry_run),
      ).toEqual([true, true]);
      const health = await tenantry(['tenants', 'health', 'cli']);
      expect(health.stdout).toMatch(/backups:\s+1,/);
      expect((await tenantry(['tenants', 'backup', '--tenant', 'cli', '--all'])).code).not.toBe(0);
    },
  );

  it('lists the schedule with next runs', async () => {
    const result = await tenantry(['schedule', 'list']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/0 2 \* \* \*\s+tenant-backup\s+tenant-backup\s+\{"keep":7\}\s+\d{4}-/);
  });

  it('migrate reports a failing tenant schema and exits non-zero, after migrating the others', async () => {
    await sql`DROP SCHEMA "tenant_cli-two" CASCADE`.execute(tdb.db);
    await sql`CREATE SCHEMA "tenant_cli-two"`.execute(tdb.db);
    await sql`CREATE TABLE "tenant_cli-two".clients (id int)`.execute(tdb.db);
    const result = await tenantry(['migrate', '--concurrency', '2']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/tenants: 2, migrated 0, up to date 1, failed 1/);
    expect(result.stderr).toMatch(/cli-two: migration 0001_clients_and_appointments/);
  });
});
