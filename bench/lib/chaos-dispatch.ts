import { randomBytes } from 'node:crypto';
import { type ChaosPlan, jobSpec } from './chaos-plan.ts';
import type { ApiClient } from './chaos-traffic.ts';

export interface BulkResult {
  batches: number;
  /** Batches given up: refused with a 4xx, or still failing at the deadline. */
  abandoned: number;
  /** Requests beyond the first, made because a batch got no 202. */
  retries: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Dispatches the plan's jobs through POST /api/jobs in batches spread over `dispatchSeconds`.
 * Each batch carries an Idempotency-Key and is repeated until it is accepted: a request that
 * failed after its transaction committed is answered by the replay, so every batch is
 * dispatched exactly once and its job ids are known, outages or not.
 */
export async function dispatchBulk(
  plan: ChaosPlan,
  api: ApiClient,
  tenants: string[],
  t0: number,
  deadline: number,
  cancelled: () => boolean,
  onDispatched: (ids: string[]) => void,
): Promise<BulkResult> {
  const run = randomBytes(4).toString('hex');
  const batches = Math.ceil(plan.jobs / plan.batchSize);
  const spacingMs = (plan.dispatchSeconds * 1000) / batches;
  const result: BulkResult = { batches, abandoned: 0, retries: 0 };
  for (let b = 0; b < batches; b++) {
    const wait = t0 + b * spacingMs - Date.now();
    if (wait > 0) await sleep(wait);
    const first = b * plan.batchSize;
    const body = Array.from({ length: Math.min(plan.batchSize, plan.jobs - first) }, (_, i) =>
      jobSpec(first + i, tenants),
    );
    for (let attempt = 0; ; attempt++) {
      if (cancelled() || Date.now() > deadline) {
        result.abandoned += batches - b;
        return result;
      }
      if (attempt > 0) result.retries += 1;
      const answer = await api.request('dispatch-bulk', 'POST', '/api/jobs', body, {
        'idempotency-key': `chaos-${run}-${b}`,
      });
      if (answer?.status === 202 && Array.isArray(answer.body)) {
        onDispatched(answer.body.map((job: { id: string }) => job.id));
        break;
      }
      if (answer && answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
        process.stderr.write(
          `chaos: batch ${b} refused (${answer.status}): ${JSON.stringify(answer.body)}\n`,
        );
        result.abandoned += 1;
        break;
      }
      await sleep(500);
    }
  }
  return result;
}
