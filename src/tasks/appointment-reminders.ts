import { sql } from 'kysely';
import { Type } from 'typebox';
import { defineTask, TenantIdField } from '../jobs/define.ts';
import { dispatchJobs } from '../jobs/dispatch.ts';
import { TaskRegistry } from '../jobs/registry.ts';
import { checkNamedTenant, forEachTenant } from '../lifecycle/for-each-tenant.ts';
import { tenantSchema } from '../tenancy.ts';
import { sendAppointmentEmail } from './send-appointment-email.ts';

/** What this task dispatches, on its own (tasks/index.ts lists this task; no import cycle). */
const reminders = new TaskRegistry([sendAppointmentEmail]);

/** Reminders one tenant gets per run at most; the rest go on the next run. */
const PER_RUN = 1000;

/**
 * The seed's "recordatorio 24h antes": queues a reminder mail for every upcoming appointment
 * (scheduled or confirmed) that starts within `hours` (default 24) and has had none. The claim
 * (reminder_queued_at, tenant migration 0002) and the dispatch are one transaction, so an
 * appointment gets exactly one reminder however often this runs, on however many workers.
 * Only active tenants: a suspended tenant's reminders would wait past their appointments (and
 * be skipped then by the mail task, which checks again when it runs).
 */
export const appointmentReminders = defineTask({
  name: 'appointment-reminders',
  // Only our own code, the crontab and triggers dispatch it.
  audience: 'system',
  queue: 'lifecycle',
  payload: Type.Object(
    {
      tenant: Type.Optional(TenantIdField()),
      hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 168 })),
    },
    { additionalProperties: false },
  ),
  maxAttempts: 3,
  timeoutMs: 30 * 60_000,
  checkPayload: (payload, db) => checkNamedTenant(db, payload.tenant),
  async handler(payload, ctx) {
    const hours = payload.hours ?? 24;
    return forEachTenant(ctx, payload.tenant, 'queueing reminders of', async (id) => {
      return ctx.controlDb.transaction().execute(async (trx) => {
        const { rows } = await sql<{ id: string }>`
          UPDATE ${sql.table(`${tenantSchema(id)}.appointments`)} SET reminder_queued_at = now()
          WHERE id IN (
            SELECT a.id FROM ${sql.table(`${tenantSchema(id)}.appointments`)} a
            WHERE EXISTS (SELECT 1 FROM tenantry.tenants t WHERE t.id = ${id} AND t.status = 'active')
              AND a.reminder_queued_at IS NULL AND a.status IN ('scheduled', 'confirmed')
              AND a.starts_at > now() AND a.starts_at <= now() + make_interval(hours => ${hours})
            ORDER BY a.starts_at LIMIT ${PER_RUN}
            FOR UPDATE SKIP LOCKED)
          RETURNING id`.execute(trx);
        if (rows.length > 0) {
          await dispatchJobs(
            trx,
            reminders,
            rows.map((r) => ({
              task: 'send-appointment-email',
              tenant: id,
              payload: { appointment_id: Number(r.id), kind: 'reminder' },
              source: { type: 'appointment', id: r.id },
            })),
          );
        }
        return { queued: rows.length };
      });
    });
  },
});
