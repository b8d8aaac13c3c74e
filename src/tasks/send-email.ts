import { Type } from 'typebox';
import { defineTask } from '../jobs/define.ts';

/**
 * The Go seed's TaskTypeSendEmail: one mail the caller composed (to, subject, body), sent
 * through the configured transport (SMTP_URL; logged when unset) from MAIL_FROM. For mails
 * Tenantry composes itself see send-appointment-email and welcome-email.
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
    ctx.progress(50, 'sending');
    const { messageId } = await ctx.services.mailer.send(payload, ctx.logger);
    return { to: payload.to, message_id: messageId };
  },
});
