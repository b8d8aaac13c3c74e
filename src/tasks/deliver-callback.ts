import { sql } from 'kysely';
import { Type } from 'typebox';
import { CallbackTargetError, postJson } from '../job-logs/callback-delivery.ts';
import { callbackSecret, signBody } from '../job-logs/callback-secret.ts';
import { jobLogJson } from '../job-logs/json.ts';
import { findJobLog } from '../job-logs/repository.ts';
import { rowFromSnapshot } from '../job-logs/snapshot.ts';
import { defineTask } from '../jobs/define.ts';
import { PermanentJobError } from '../jobs/errors.ts';

/** Answers that retrying cannot change. */
const PERMANENT = new Set([400, 401, 403, 404, 405, 410, 413, 422]);

/**
 * POSTs a finished job's log to its callback_url, as it stood at the end that queued the
 * delivery. Queued by a trigger in the transaction of the terminal write (migrations 0005,
 * 0034); graphile-worker's exponential backoff spaces the retries.
 * The target's addresses are vetted again as the socket dials them (DNS may have changed since
 * dispatch), and the job log must belong to the job's own tenant.
 */
export const deliverCallback = defineTask({
  name: 'deliver-callback',
  // Only our own code, the crontab and triggers dispatch it.
  audience: 'system',
  queue: 'callbacks',
  maxAttempts: 10,
  timeoutMs: 30_000,
  payload: Type.Object({
    job_log_id: Type.String({ pattern: '^[0-9]{1,18}$' }),
    // The row as it stood at the end that queued this delivery (migrations/0034); deliveries
    // queued before it carry only the id and describe the row as it is when they run.
    job_log: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
  async handler({ job_log_id, job_log }, ctx) {
    const row = job_log ? rowFromSnapshot(job_log) : await findJobLog(ctx.controlDb, job_log_id);
    if (!row || row.id !== job_log_id || row.tenant_id === null || row.tenant_id !== ctx.tenantId)
      throw new PermanentJobError(`job log ${job_log_id} not found`);
    const { rows } = await sql<{ callback_url: string | null }>`
      SELECT callback_url FROM tenantry.job_logs WHERE id = ${job_log_id}`.execute(ctx.controlDb);
    const url = rows[0]?.callback_url;
    if (!url) throw new PermanentJobError(`job log ${job_log_id} has no callback_url`);
    const body = JSON.stringify({ event: `job.${row.status}`, job_log: jobLogJson(row) });
    const secret = await callbackSecret(ctx.controlDb, row.tenant_id);
    let status: number;
    try {
      status = await postJson(url, body, {
        allowPrivate: ctx.services.config.callbackAllowPrivate,
        resolver: ctx.services.resolver,
        timeoutMs: 10_000,
        signal: ctx.signal,
        headers: {
          'user-agent': 'tenantry-callbacks',
          'tenantry-signature': signBody(secret, body),
          // The same on every retry of one delivery (its own job log), so a receiver can drop
          // duplicates; graphile-worker's job id changed each time a retry was admitted again.
          'tenantry-delivery': `${job_log_id}-${ctx.job.logId}`,
          'tenantry-attempt': String(ctx.job.attempt),
        },
      });
    } catch (err) {
      // A refused target stays refused; anything else (timeouts, resets) is worth a retry.
      if (err instanceof CallbackTargetError) throw new PermanentJobError(err.message);
      throw err;
    }
    if (status >= 200 && status < 300) return { status };
    const message = `callback answered ${status}`;
    throw PERMANENT.has(status) ? new PermanentJobError(message) : new Error(message);
  },
});
