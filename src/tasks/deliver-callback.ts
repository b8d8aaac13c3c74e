import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { callbackSecret, signBody } from '../job-logs/callback-secret.ts';
import { assertPublicTarget } from '../job-logs/callback-url.ts';
import { jobLogJson } from '../job-logs/json.ts';
import { findJobLog } from '../job-logs/repository.ts';
import { defineTask } from '../jobs/define.ts';
import { PermanentJobError } from '../jobs/errors.ts';

/** Answers that retrying cannot change. */
const PERMANENT = new Set([400, 401, 403, 404, 405, 410, 413, 422]);

/**
 * POSTs a finished job's log to its callback_url. Queued by a trigger in the transaction of
 * the terminal write (migration 0005); graphile-worker's exponential backoff spaces the retries.
 * The target is resolved and vetted again here, since DNS may have changed since dispatch.
 */
export const deliverCallback = defineTask({
  name: 'deliver-callback',
  queue: 'callbacks',
  maxAttempts: 10,
  timeoutMs: 30_000,
  payload: Type.Object({ job_log_id: Type.String({ pattern: '^[0-9]{1,18}$' }) }),
  async handler({ job_log_id }, ctx) {
    const row = await findJobLog(ctx.controlDb, job_log_id);
    if (!row || row.tenant_id === null) throw new PermanentJobError(`job log ${job_log_id} not found`);
    const { rows } = await sql<{ callback_url: string | null }>`
      SELECT callback_url FROM tenantry.job_logs WHERE id = ${job_log_id}`.execute(ctx.controlDb);
    const url = rows[0]?.callback_url;
    if (!url) throw new PermanentJobError(`job log ${job_log_id} has no callback_url`);
    try {
      await assertPublicTarget(url, ctx.services.config.callbackAllowPrivate);
    } catch (err) {
      throw new PermanentJobError((err as Error).message);
    }
    const body = JSON.stringify({ event: `job.${row.status}`, job_log: jobLogJson(row) });
    const secret = await callbackSecret(ctx.controlDb, row.tenant_id);
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'tenantry-callbacks',
        'tenantry-signature': signBody(secret, body),
        'tenantry-delivery': `${job_log_id}-${ctx.job.id}`,
        'tenantry-attempt': String(ctx.job.attempt),
      },
      body,
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(10_000)]),
    });
    await res.body?.cancel();
    if (res.ok) return { status: res.status };
    const message = `callback ${url} answered ${res.status}`;
    throw PERMANENT.has(res.status) ? new PermanentJobError(message) : new Error(message);
  },
});
