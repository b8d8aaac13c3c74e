import { Type } from 'typebox';
import { defineTask, RowId } from '../jobs/define.ts';
import { PermanentJobError } from '../jobs/errors.ts';
import { renderAppointmentMail } from '../mail/templates/appointment.ts';

/** The seed's EnviarEmailCita: confirmation, cancellation or reminder mail for one appointment. */
export const sendAppointmentEmail = defineTask({
  name: 'send-appointment-email',
  // Tenant keys for their own tenant; admin keys name the tenant.
  audience: 'tenant',
  queue: 'emails',
  maxAttempts: 3,
  timeoutMs: 60_000,
  payload: Type.Object(
    {
      appointment_id: RowId("the appointment's id"),
      kind: Type.Union([
        Type.Literal('confirmation'),
        Type.Literal('cancellation'),
        Type.Literal('reminder'),
      ]),
    },
    { additionalProperties: false },
  ),
  async handler(payload, ctx) {
    const appointment = await ctx.db
      .selectFrom('appointments as a')
      .innerJoin('clients as c', 'c.id', 'a.client_id')
      .select(['a.id', 'a.starts_at', 'a.status', 'a.service', 'c.name', 'c.email'])
      .where('a.id', '=', String(payload.appointment_id))
      .executeTakeFirst();
    // Retrying cannot make a missing appointment or address appear.
    if (!appointment) throw new PermanentJobError(`appointment ${payload.appointment_id} does not exist`);
    // A mail that would now be wrong is skipped, not failed: a reminder of an appointment that
    // was cancelled, took place or began meanwhile (queued a day ahead, or waiting behind a
    // pause), or a confirmation of one since cancelled.
    const skipped =
      payload.kind !== 'cancellation' && appointment.status === 'cancelled'
        ? 'the appointment is cancelled'
        : payload.kind === 'reminder' && appointment.status === 'completed'
          ? 'the appointment took place'
          : payload.kind === 'reminder' && appointment.starts_at.getTime() <= Date.now()
            ? 'the appointment has begun'
            : undefined;
    if (skipped) return { skipped, kind: payload.kind };
    if (!appointment.email)
      throw new PermanentJobError(`client of appointment ${appointment.id} has no email address`);
    const tenant = await ctx.controlDb
      .selectFrom('tenantry.tenants')
      .select(['name', 'settings'])
      .where('id', '=', ctx.tenantId ?? '')
      .executeTakeFirstOrThrow();
    const settings = tenant.settings as { timezone?: string; language?: string };
    ctx.progress(40, 'rendering');
    const mail = renderAppointmentMail({
      kind: payload.kind,
      clientName: appointment.name,
      startsAt: appointment.starts_at,
      service: appointment.service,
      businessName: tenant.name,
      timeZone: settings.timezone ?? 'UTC',
      language: settings.language?.startsWith('es') ? 'es' : 'en',
    });
    ctx.progress(70, 'sending');
    const { messageId } = await ctx.services.mailer.send({ to: appointment.email, ...mail }, ctx.logger);
    return { message_id: messageId, to: appointment.email, kind: payload.kind };
  },
});
