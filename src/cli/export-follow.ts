import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';

/**
 * Follows an export with a progress bar until it ends; `signal` (Ctrl-C) stops following, not
 * the export, which runs in a worker.
 */
export async function follow(db: Db, id: string, signal: AbortSignal): Promise<string> {
  const [{ default: cliProgress }, { findExport }] = await Promise.all([
    import('cli-progress'),
    import('../exports/repository.ts'),
  ]);
  const bar = new cliProgress.SingleBar(
    { format: 'export {id} [{bar}] {percentage}% {step}', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0, { id, step: '' });
  try {
    for (;;) {
      const row = await findExport(db, id);
      if (!row) throw new Error(`export ${id} was not found`);
      bar.update(row.status === 'completed' ? 100 : (row.progress ?? 0), { step: row.step ?? row.status });
      if (row.status !== 'pending' && row.status !== 'running') return row.status;
      // Rejects at once on abort, and leaves no listener behind on the signal between polls.
      await sleep(500, undefined, { signal });
    }
  } finally {
    bar.stop();
  }
}

/**
 * Why an export may not start soon, said before waiting for it: a follower that waited on a
 * suspended tenant, a paused queue or a stopped service only hung, with nothing to say why.
 */
export async function waitingHint(db: Db, tenantId: string): Promise<string[]> {
  const { rows } = await sql<{ status: string | null; paused: boolean; workers: number }>`
    SELECT t.status,
           coalesce(l.paused OR 'exports' = ANY(l.paused_queues), false) AS paused,
           (SELECT count(*)::int FROM tenantry.workers w WHERE w.last_seen_at > now() - interval '1 minute') AS workers
    FROM (SELECT 1) one
    LEFT JOIN tenantry.tenants t ON t.id = ${tenantId}
    LEFT JOIN tenantry.tenant_limits l ON l.tenant_id = ${tenantId}`.execute(db);
  const row = rows[0]!;
  const hints: string[] = [];
  if (row.status !== null && row.status !== 'active') {
    hints.push(`note: tenant ${tenantId} is ${row.status}; the export waits until it is active`);
  }
  if (row.paused)
    hints.push(`note: tenant ${tenantId}'s jobs are paused; the export waits for tenants resume`);
  if (row.workers === 0) {
    hints.push(
      'note: no worker has reported in the last minute; the export starts when one runs (tenantry start or tenantry worker)',
    );
  }
  return hints;
}
