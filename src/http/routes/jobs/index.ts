import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { Db } from '../../../db/database.ts';
import { AppError, invalid } from '../../../errors.ts';
import { callbackSecret } from '../../../job-logs/callback-secret.ts';
import { callbackUrlProblem } from '../../../job-logs/callback-url.ts';
import { type DispatchedJob, type DispatchSpec, dispatchJobs } from '../../../jobs/dispatch.ts';
import { once } from '../../../jobs/idempotency.ts';
import type { TaskRegistry } from '../../../jobs/registry.ts';
import type { Principal } from '../../auth.ts';
import { problemResponses } from '../../problem.ts';
import { AcceptedJob, JobRequest } from './schemas.ts';

function toSpec(
  body: JobRequest,
  principal: Principal,
  index: number | undefined,
  allowPrivate: boolean,
): DispatchSpec {
  const field = (name: string) => (index === undefined ? name : `${index}.${name}`);
  if (body.callback_url !== undefined) {
    const problem = callbackUrlProblem(body.callback_url, allowPrivate);
    if (problem) throw invalid(field('callback_url'), problem);
  }
  let tenant = body.tenant ?? null;
  if (principal.kind === 'tenant') {
    if (tenant !== null && tenant !== principal.tenantId) {
      throw new AppError('forbidden', 'a tenant key dispatches only into its own tenant', {
        field: field('tenant'),
      });
    }
    tenant = principal.tenantId;
  }
  return {
    task: body.task,
    payload: body.payload ?? {},
    tenant,
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
  /** CALLBACK_ALLOW_PRIVATE; private callback targets are refused unless set. */
  callbackAllowPrivate?: boolean;
}> = async (app, { db, registry, callbackAllowPrivate = false }) => {
  app.addSchema(JobRequest);
  app.addSchema(AcceptedJob);

  app.post(
    '/api/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Dispatch a job, or several in one transaction',
        description:
          'A tenant key dispatches into its own tenant; an admin key names the tenant (or none, for a central job). ' +
          'An array dispatches all jobs or none. With an Idempotency-Key header, repeating the same request ' +
          'returns the first response; the same key with another body is 422.',
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
        }),
        body: Type.Union([
          Type.Ref('JobRequest'),
          Type.Array(Type.Ref('JobRequest'), { minItems: 1, maxItems: 1000 }),
        ]),
        response: {
          202: Type.Union([Type.Ref('AcceptedJob'), Type.Array(Type.Ref('AcceptedJob'))]),
          ...problemResponses(400, 401, 403, 404, 422),
        },
      },
    },
    async (request, reply) => {
      const { principal } = request;
      // Type.Ref keeps the OpenAPI document small; the schema has already validated the shape.
      const body = request.body as JobRequest | JobRequest[];
      const bulk = Array.isArray(body);
      const specs = bulk
        ? body.map((b, i) => toSpec(b, principal, i, callbackAllowPrivate))
        : [toSpec(body, principal, undefined, callbackAllowPrivate)];
      const key = request.headers['idempotency-key'];
      const scope = principal.kind === 'tenant' ? `tenant:${principal.tenantId}` : 'admin';
      const result = await db.transaction().execute(async (trx) => {
        const work = async () => {
          const jobs = (await dispatchJobs(trx, registry, specs)).map(accepted);
          // In the dispatch transaction, so the key exists before any callback is signed with it.
          const tenants = new Set(specs.filter((s) => s.callbackUrl && s.tenant).map((s) => s.tenant!));
          for (const tenant of tenants) await callbackSecret(trx, tenant);
          return bulk ? jobs : jobs[0]!;
        };
        return key ? once(trx, scope, key, body, work) : { response: await work(), replayed: false };
      });
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(202).send(result.response);
    },
  );
};
