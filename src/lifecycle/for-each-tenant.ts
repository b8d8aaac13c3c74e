import type { DbOrTrx } from '../db/database.ts';
import { allTenantIds, findTenant } from '../db/tenants.ts';
import { invalid } from '../errors.ts';
import type { TaskContext } from '../jobs/define.ts';

/**
 * At dispatch (TaskOptions.checkPayload): a tenant a lifecycle payload names exists, so a job
 * for a mistyped one is a 400 naming `payload.tenant`, not a job that fails later. Unnamed: all.
 */
export async function checkNamedTenant(db: DbOrTrx, tenant: string | undefined): Promise<void> {
  if (tenant !== undefined && !(await findTenant(db, tenant))) {
    throw invalid('tenant', `there is no tenant "${tenant}"`);
  }
}

export interface PerTenantResult<T> {
  tenants: number;
  failed: number;
  results: Record<string, T | { error: string }>;
}

/**
 * Runs `fn` for one tenant, or for every tenant in id order, recording progress. A failing
 * tenant is logged and reported, the rest still run; then the job fails if any tenant did,
 * so the failure is visible in the job log and to the failure alert.
 */
export async function forEachTenant<T>(
  ctx: Pick<TaskContext, 'controlDb' | 'progress' | 'logger' | 'signal'>,
  tenant: string | undefined,
  what: string,
  fn: (tenantId: string) => Promise<T>,
): Promise<PerTenantResult<T>> {
  const ids = tenant ? [tenant] : await allTenantIds(ctx.controlDb);
  const results: PerTenantResult<T>['results'] = {};
  let failed = 0;
  for (const [i, id] of ids.entries()) {
    ctx.signal.throwIfAborted();
    ctx.progress(Math.floor((i / Math.max(ids.length, 1)) * 100), `${what} ${id}`);
    try {
      results[id] = await fn(id);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      failed++;
      results[id] = { error: (err as Error).message };
      ctx.logger.error({ err, tenant: id }, `${what} failed`);
    }
  }
  if (failed > 0) {
    const which = Object.entries(results).flatMap(([id, r]) =>
      r && typeof r === 'object' && 'error' in r ? [`${id}: ${r.error}`] : [],
    );
    throw new Error(`${what} failed for ${failed} of ${ids.length} tenants (${which.join('; ')})`);
  }
  return { tenants: ids.length, failed, results };
}
