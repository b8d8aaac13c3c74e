import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { processesMentioning, startTenantry } from './helpers/processes.ts';

describe('tenantry start without DATABASE_URL (embedded PostgreSQL)', () => {
  let dataDir: string;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('starts cold and warm, answers /health, and leaves no process behind after SIGTERM', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-start-'));
    await chmod(dataDir, 0o755);
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    delete env.TENANTRY_ADMIN_KEY;
    delete env.REDIS_URL;

    const keys: string[] = [];
    for (const run of ['cold', 'warm']) {
      // A key file others can read is repaired at start, and the repair logged.
      if (run === 'warm') await chmod(path.join(dataDir, 'admin.key'), 0o644);
      const started = await startTenantry(env, run === 'warm' ? ['--concurrency', '3'] : []);
      expect(started.printedKey, `${run}: the key is printed only when generated`).toBe(run === 'cold');
      if (run === 'warm')
        expect(started.stdout()).toMatch(/readable by others \(mode 0644\); changed to 0600/);
      const health = await fetch(`${started.url}/health`);
      expect(health.status, `${run} /health`).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'healthy', database: 'connected' });
      const tenants = await fetch(`${started.url}/api/tenants`, {
        headers: { authorization: `Bearer ${started.adminKey}` },
      });
      expect(tenants.status).toBe(200);
      // The dashboard is served by the same process, and the ready line says where.
      expect(started.stdout()).toContain(`dashboard ${started.url}/dashboard`);
      expect((await fetch(`${started.url}/dashboard/`)).status, `${run} /dashboard/`).toBe(200);
      keys.push(started.adminKey);
      if (run === 'warm') {
        // `start --concurrency 3`: its worker says so in its heartbeat row.
        let workers: { concurrency: number }[] = [];
        while (workers.length === 0) {
          const answer = await fetch(`${started.url}/api/workers`, {
            headers: { authorization: `Bearer ${started.adminKey}` },
          });
          workers = ((await answer.json()) as { workers: { concurrency: number }[] }).workers;
          if (workers.length === 0) await new Promise((r) => setTimeout(r, 100));
        }
        expect(workers.map((w) => w.concurrency)).toEqual([3]);
        // Operator commands on the same DATA_DIR use the server this start is running.
        const monitor = await runCli(['jobs', 'monitor'], env, { inherit: false });
        expect(monitor.stderr).toBe('');
        expect(monitor.code).toBe(0);
        expect(monitor.stdout).toMatch(/^queues at /);
        const list = await runCli(['tenants', 'list'], env, { inherit: false });
        expect(list.code).toBe(0);
        // The server is still this start's: the commands neither stopped it nor started another.
        expect((await fetch(`${started.url}/health`)).status).toBe(200);
      }

      const exited = once(started.child, 'exit');
      started.child.kill('SIGTERM');
      const [code] = await exited;
      expect(code, `${run} exit code`).toBe(0);
      expect(processesMentioning(path.join(dataDir, 'postgres'))).toEqual([]);
      await expect(stat(path.join(dataDir, 'postgres', 'postmaster.pid'))).rejects.toThrow();
    }
    // The generated admin key is stored on first start and reused.
    expect(keys[0]).toBe(keys[1]);

    // A postmaster.pid left behind names a pid some other process has now (a reboot, a
    // container restart): not signalled, not a reason to refuse; the stale file is replaced.
    const bystander = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await writeFile(
        path.join(dataDir, 'postgres', 'postmaster.pid'),
        `${bystander.pid}\n${path.join(dataDir, 'postgres')}\n`,
      );
      const started = await startTenantry(env);
      expect((await fetch(`${started.url}/health`)).status).toBe(200);
      expect(started.stdout()).toContain(
        `names pid ${bystander.pid}, which is not its server; removed as stale`,
      );
      expect(bystander.exitCode).toBeNull();
      expect(() => process.kill(bystander.pid!, 0)).not.toThrow();
      const exited = once(started.child, 'exit');
      started.child.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
    } finally {
      bystander.kill('SIGKILL');
    }
    expect((await readFile(path.join(dataDir, 'admin.key'), 'utf8')).trim()).toBe(keys[0]);
    const mode = (await stat(path.join(dataDir, 'admin.key'))).mode & 0o777;
    expect(mode).toBe(0o600);
  });
});
