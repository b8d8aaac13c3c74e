import { sql } from 'kysely';
import { Type } from 'typebox';
import { defineTask } from '../jobs/define.ts';
import { PermanentJobError } from '../jobs/errors.ts';

/**
 * The Go seed's TaskTypeSendEmail: one mail the caller composed (to, subject, body), sent
 * through the configured transport (SMTP_URL; logged when unset) from MAIL_FROM. For mails
 * Tenantry composes itself see send-appointment-email and welcome-email.
 *
 * Only to an address of one of the tenant's own clients: MAIL_FROM is the platform's sender,
 * and a tenant key that could write anything to anyone would make it a relay for spam or
 * phishing under the operator's name. The tenant's rate limit bounds how fast it sends.
 */
export const sendEmail = defineTask({
  name: 'send-email',
  // Tenant keys for their own tenant; admin keys name the tenant.
  audience: 'tenant',
  queue: 'emails',
  maxAttempts: 3,
  timeoutMs: 60_000,
  payload: Type.Object(
    {
      // One address; no display name, no list: one job, one recipient, one log.
      to: Type.String({ format: 'email', maxLength: 320 }),
      // No line breaks: a header value.
      subject: Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\r\\n]*$' }),
      text: Type.String({ minLength: 1, maxLength: 100_000 }),
      html: Type.Optional(Type.String({ minLength: 1, maxLength: 200_000 })),
    },
    { additionalProperties: false },
  ),
  async handler(payload, ctx) {
    const client = await ctx.db
      .selectFrom('clients')
      .select('id')
      .where(sql<string>`lower(email)`, '=', payload.to.toLowerCase())
      .executeTakeFirst();
    if (!client)
      throw new PermanentJobError(`${payload.to} is not the address of one of the tenant's clients`);
    ctx.progress(50, 'sending');
    const { messageId } = await ctx.services.mailer.send(payload, ctx.logger);
    return { to: payload.to, client_id: client.id, message_id: messageId };
  },
});
