import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChaosPlan } from './chaos-plan.ts';
import { type SelfExit, Slot } from './chaos-processes.ts';

export const ADMIN_KEY = 'chaos-bench-admin-key-0123456789abcdef';

export interface Fleet {
  api: Slot;
  workers: Slot[];
  all: Slot[];
  selfExits: SelfExit[];
}

/**
 * The processes under test: one API and the plan's workers, each under a supervisor that
 * restarts it on exit, all on the throwaway server. Nothing is shared with the machine's own
 * services: no Redis, a data directory of their own, the admin key from the environment.
 */
export function createFleet(plan: ChaosPlan, databaseUrl: string, apiPort: number, logDir: string): Fleet {
  const inherited = { ...process.env };
  for (const name of ['REDIS_URL', 'CACHE_STORE', 'CRONTAB_FILE', 'SMTP_URL', 'AI_ENDPOINT_URL']) {
    delete inherited[name];
  }
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    DATABASE_URL: databaseUrl,
    TENANTRY_ADMIN_KEY: ADMIN_KEY,
    DATA_DIR: path.join(logDir, 'data'),
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    WORKER_CONCURRENCY: String(plan.concurrency),
    WORKER_RESCUE_AFTER_MS: String(plan.rescueAfterMs),
    SHUTDOWN_TIMEOUT_MS: String(plan.shutdownTimeoutMs),
    // The chaos tasks record to the database; the failure alerts would only add noise.
    FAILED_JOBS_ALERT_THRESHOLD: '1000000',
  };
  const selfExits: SelfExit[] = [];
  const onSelfExit = (exit: SelfExit) => {
    selfExits.push(exit);
    process.stderr.write(
      `chaos: ${exit.name} (pid ${exit.pid}) exited by itself (${exit.signal ?? `code ${exit.code}`}) ` +
        `after ${exit.uptime.toFixed(1)} s; restarting it\n`,
    );
  };
  const slot = (name: string, script: string) => new Slot({ name, script, env, logDir, onSelfExit });
  const fixture = (file: string) => fileURLToPath(new URL(`../../test/fixtures/${file}`, import.meta.url));
  const api = slot('api', fixture('chaos-api.ts'));
  const workers = Array.from({ length: plan.workers }, (_, i) =>
    slot(`worker-${i + 1}`, fixture('chaos-worker.ts')),
  );
  return { api, workers, all: [api, ...workers], selfExits };
}

/** Starts every process and waits until each has printed its ready line. */
export async function startFleet(fleet: Fleet, timeoutMs = 60_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the processes were not ready in ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([Promise.all(fleet.all.map((s) => s.start())), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
