import { Type } from 'typebox';
import { deadline } from '../deadline.ts';
import { claimAlert, recentFailures } from '../job-logs/alerts.ts';
import { defineTask } from '../jobs/define.ts';

const ALERT = 'failed_jobs';

/**
 * Crontab task: when more jobs than FAILED_JOBS_ALERT_THRESHOLD failed for good in the last
 * hour, logs an error, POSTs the summary to ALERT_WEBHOOK_URL and mails ALERT_EMAIL, at most
 * once an hour. Delivery happens inside the claiming transaction: if the webhook or the mail
 * fails, the claim is rolled back and the next run tries again.
 */
export const failureAlert = defineTask({
  name: 'failure-alert',
  // Only our own code, the crontab and triggers dispatch it.
  audience: 'system',
  maxAttempts: 1,
  timeoutMs: 60_000,
  payload: Type.Object({}),
  async handler(_payload, ctx) {
    const { config, mailer } = ctx.services;
    const summary = await recentFailures(ctx.controlDb);
    const threshold = config.failedJobsAlertThreshold;
    if (summary.failed <= threshold) return { failed: summary.failed, alerted: false };

    return ctx.controlDb.transaction().execute(async (trx) => {
      if (!(await claimAlert(trx, ALERT)))
        return { failed: summary.failed, alerted: false, reason: 'fired within the hour' };
      const alert = {
        alert: 'failed_jobs',
        failed_last_hour: summary.failed,
        threshold,
        by_task: summary.by_task,
        at: new Date().toISOString(),
      };
      ctx.logger.error(alert, `${summary.failed} jobs failed in the last hour (threshold ${threshold})`);
      if (config.alertWebhookUrl) {
        const limit = deadline(ctx.signal, 10_000);
        try {
          const res = await fetch(config.alertWebhookUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'user-agent': 'tenantry-alerts' },
            body: JSON.stringify(alert),
            signal: limit.signal,
          });
          await res.body?.cancel();
          if (!res.ok) throw new Error(`alert webhook answered ${res.status}`);
        } finally {
          limit.clear();
        }
      }
      if (config.alertEmail) {
        const lines = summary.by_task.map((t) => `  ${t.task} (${t.tenant ?? 'central'}): ${t.failed}`);
        await mailer.send(
          {
            to: config.alertEmail,
            subject: `[tenantry] ${summary.failed} jobs failed in the last hour`,
            text: [
              `${summary.failed} jobs failed for good in the last hour (threshold ${threshold}).`,
              '',
              ...lines,
            ].join('\n'),
          },
          ctx.logger,
        );
      }
      return { failed: summary.failed, alerted: true };
    });
  },
});
