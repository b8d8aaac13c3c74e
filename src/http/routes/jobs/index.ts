import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Config } from '../../../config.ts';
import type { Db } from '../../../db/database.ts';
import { retryConflicts } from '../../../db/retry.ts';
import { callbackSecret } from '../../../job-logs/callback-secret.ts';
import { type DispatchedJob, type DispatchSpec, dispatchJobs } from '../../../jobs/dispatch.ts';
import { keyUsed, once } from '../../../jobs/idempotency.ts';
import { pendingByTenant, reservePendingJobs } from '../../../jobs/pending-quota.ts';
import type { TaskRegistry } from '../../../jobs/registry.ts';
import { problemResponses } from '../../problem.ts';
import { AcceptedJob, JobRequest } from './schemas.ts';

/** The body as a dispatch spec; who may dispatch what is decided by dispatchJobs (audience.ts). */
function toSpec(body: JobRequest): DispatchSpec {
  return {
    task: body.task,
    payload: body.payload ?? {},
    tenant: body.tenant ?? null,
    queue: body.queue,
    runAt: body.run_at === undefined ? undefined : new Date(body.run_at),
    delayMs: body.delay_ms,
    priority: body.priority,
    jobKey: body.job_key,
    maxAttempts: body.max_attempts,
    source: body.source,
    meta: body.meta,
    callbackUrl: body.callback_url,
  };
}

function accepted(job: DispatchedJob): AcceptedJob {
  return {
    id: job.id,
    status: job.status,
    ...(job.supersededBy === undefined ? {} : { superseded_by: job.supersededBy }),
    queue: job.queue,
    task: job.task,
    tenant: job.tenantId,
    lane: job.lane,
    run_at: job.runAt.toISOString(),
  };
}

export const jobRoutes: FastifyPluginAsyncTypebox<{
  db: Db;
  registry: TaskRegistry;
  config: Config;
}> = async (app, { db, registry, config }) => {
  app.addSchema(JobRequest);
  app.addSchema(AcceptedJob);

  app.post(
    '/api/jobs',
    {
      schema: {
        tags: ['jobs'],
        operationId: 'dispatchJobs',
        summary: 'Dispatch a job, or several in one transaction',
        description:
          'A tenant key dispatches into its own tenant; an admin key names the tenant (or none, for a central job). ' +
          'An array dispatches all jobs or none. With an Idempotency-Key header, repeating the same request ' +
          'returns the first response; the same key with another body is 422. A request that would take a ' +
          'tenant past TENANT_MAX_PENDING_JOBS waiting jobs is 429 (Retry-After) and writes nothing.',
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        }),
        body: Type.Union([
          Type.Ref('JobRequest'),
          Type.Array(Type.Ref('JobRequest'), { minItems: 1, maxItems: 1000 }),
        ]),
        response: {
          202: Type.Union([Type.Ref('AcceptedJob'), Type.Array(Type.Ref('AcceptedJob'))]),
          ...problemResponses(400, 401, 403, 404, 409, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const { principal } = request;
      // Type.Ref keeps the OpenAPI document small; the schema has already validated the shape.
      const body = request.body as JobRequest | JobRequest[];
      const bulk = Array.isArray(body);
      const specs = bulk ? body.map(toSpec) : [toSpec(body)];
      const context = {
        caller: principal,
        limits: config.jobLimits,
        callbackAllowPrivate: config.callbackAllowPrivate,
        maxBusyQueues: config.tenantMaxBusyQueues,
      };
      const key = request.headers['idempotency-key'];
      const scope = principal.kind === 'tenant' ? `tenant:${principal.tenantId}` : 'admin';
      // Before the transaction: the reservation's row locks last its own statement only. A
      // replay adds nothing, so it is answered as the first request was, never refused.
      const pending = pendingByTenant(registry, specs, context);
      if (!(key && (await keyUsed(db, scope, key)))) {
        await reservePendingJobs(db, pending, config.tenantMaxPendingJobs);
      }
      // Concurrent dispatches may deadlock or conflict inside the queue; the whole transaction
      // is run again rather than the client seeing the error.
      const result = await retryConflicts(() =>
        db.transaction().execute(async (trx) => {
          const work = async () => {
            const dispatched = await dispatchJobs(trx, registry, specs, context);
            const jobs = dispatched.map(accepted);
            // In the dispatch transaction, so the key exists before any callback is signed with it.
            const tenants = new Set(
              dispatched
                .filter((job, i) => specs[i]!.callbackUrl && job.tenantId)
                .map((job) => job.tenantId!),
            );
            for (const tenant of tenants) await callbackSecret(trx, tenant);
            return bulk ? jobs : jobs[0]!;
          };
          return key ? once(trx, scope, key, body, work) : { response: await work(), replayed: false };
        }),
      );
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(202).send(result.response);
    },
  );
};
