import { Type } from 'typebox';
import { defineTask } from '../jobs/define.ts';

/** SMS, WhatsApp or calendar notifications through the configured provider of each channel. */
export const sendNotification = defineTask({
  name: 'send-notification',
  // Tenant keys for their own tenant; admin keys name the tenant.
  audience: 'tenant',
  queue: 'notifications',
  payload: Type.Object(
    {
      channel: Type.Union([Type.Literal('sms'), Type.Literal('whatsapp'), Type.Literal('calendar')]),
      to: Type.String({ minLength: 1, maxLength: 320 }),
      message: Type.String({ minLength: 1, maxLength: 4000 }),
    },
    { additionalProperties: false },
  ),
  async handler(payload, ctx) {
    ctx.progress(10, `sending ${payload.channel}`);
    const delivered = await ctx.services.notifications.send(
      { ...payload, tenantId: ctx.tenantId },
      ctx.signal,
    );
    return { channel: payload.channel, ...delivered };
  },
});
