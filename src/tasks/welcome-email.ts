import { Type } from 'typebox';
import { findTenant } from '../db/tenants.ts';
import { defineTask } from '../jobs/define.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The mail that greets a newly provisioned tenant. Dispatched by provisioning in its own
 * transaction, so it exists exactly when the tenant does. It goes to `settings.email`, else
 * to the owner when the owner is an address; a tenant with neither is skipped, not failed.
 */
export const welcomeEmail = defineTask({
  name: 'welcome-email',
  // Only our own code, the crontab and triggers dispatch it.
  audience: 'system',
  queue: 'mail',
  payload: Type.Object({}, { additionalProperties: false }),
  maxAttempts: 5,
  timeoutMs: 60_000,
  async handler(_payload, ctx) {
    if (!ctx.tenantId) throw new Error('welcome-email is a tenant job');
    const tenant = await findTenant(ctx.controlDb, ctx.tenantId);
    if (!tenant) return { skipped: 'tenant no longer exists' };
    const fromSettings = typeof tenant.settings.email === 'string' ? tenant.settings.email : undefined;
    const to = [fromSettings, tenant.owner ?? undefined].find((a) => a !== undefined && EMAIL.test(a));
    if (!to) return { skipped: 'no email address for the tenant' };
    ctx.progress(50, 'sending');
    const sent = await ctx.services.mailer.send(
      {
        to,
        subject: `Welcome to ${tenant.name}`,
        text: [
          `Your workspace "${tenant.name}" (${tenant.id}) is ready on the ${tenant.plan} plan.`,
          '',
          'Its API key was shown once when it was created; ask an administrator for a new one if it was lost.',
        ].join('\n'),
      },
      ctx.logger,
    );
    return { to, message_id: sent.messageId };
  },
});
