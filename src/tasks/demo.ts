import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from 'typebox';
import { defineTask } from '../jobs/define.ts';

/**
 * Demo tasks (`tenantry demo` dispatches them): work that takes a while and reports its
 * progress step by step, and work that fails, so a new installation shows every state a job
 * can be in. Harmless: they only wait, and stop at once when cancelled.
 */
export const demoSlow = defineTask({
  name: 'demo-slow',
  audience: 'tenant',
  queue: 'demo',
  // A restart in the middle (the worker's grace period is shorter) runs it again.
  maxAttempts: 2,
  timeoutMs: 15 * 60_000,
  payload: Type.Object(
    {
      seconds: Type.Integer({ minimum: 1, maximum: 600, description: 'how long the work takes' }),
      steps: Type.Optional(
        Type.Integer({ minimum: 1, maximum: 100, description: 'progress reports (default 10)' }),
      ),
    },
    { additionalProperties: false },
  ),
  async handler(payload, ctx) {
    const steps = payload.steps ?? 10;
    const pause = (payload.seconds * 1000) / steps;
    ctx.progress(0, `step 0 of ${steps}`);
    for (let step = 1; step <= steps; step++) {
      await sleep(pause, undefined, { signal: ctx.signal });
      ctx.progress(Math.round((step / steps) * 100), `step ${step} of ${steps}`);
    }
    return { steps, seconds: payload.seconds };
  },
});

export const demoFailing = defineTask({
  name: 'demo-failing',
  audience: 'tenant',
  queue: 'demo',
  maxAttempts: 2,
  timeoutMs: 60_000,
  payload: Type.Object(
    { message: Type.Optional(Type.String({ maxLength: 500 })) },
    { additionalProperties: false },
  ),
  async handler(payload, ctx) {
    ctx.progress(50, 'calling a service that is down');
    throw new Error(payload.message ?? `the demo service refused attempt ${ctx.job.attempt}`);
  },
});
