import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { invalid, notFound } from '../../../errors.ts';
import { callbackSecret } from '../../../job-logs/callback-secret.ts';
import { jobLogJson, jobLogSummaryJson } from '../../../job-logs/json.ts';
import { cleanupJobLogs, findJobLog, type JobLogCursor, listJobLogs } from '../../../job-logs/repository.ts';
import { jobLogStats, STATS_MAX_DAYS } from '../../../job-logs/stats.ts';
import { cancelJob, retryJob } from '../../../jobs/control.ts';
import { reserveForRetry } from '../../../jobs/pending-quota.ts';
import { problemResponses } from '../../problem.ts';
import { timeParam } from '../../time-param.ts';
import type { StreamRouteDeps } from '../deps.ts';
import { ownTenant, TenantFilterDescription, tenantScope, unretryableTasks } from '../principal-scope.ts';
import { jobLogEvents } from './events.ts';
import { runNowRoute } from './run-now.ts';
import { JobLog, JobLogId, JobLogPage, JobLogQuery, JobLogStats, JobLogSummary } from './schemas.ts';

/** The tenant a request is confined to: a tenant key's own; for an admin, the `tenant` filter if any. */
const Params = Type.Object({ id: JobLogId });

/** Job-log routes: list, show, stats, cancel, retry, run now, cleanup, live events. */
export const jobLogRoutes: FastifyPluginAsyncTypebox<StreamRouteDeps> = async (app, deps) => {
  const { db, registry } = deps;
  app.addSchema(JobLog);
  app.addSchema(JobLogSummary);

  app.get(
    '/api/job-logs',
    {
      schema: {
        tags: ['job-logs'],
        operationId: 'listJobLogs',
        summary: 'List job logs, newest first',
        description: 'Keyset-paged: a page stays stable while new jobs are dispatched.',
        querystring: JobLogQuery,
        response: { 200: JobLogPage, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.source_id !== undefined && q.source_type === undefined) {
        throw invalid('source_type', 'is required with source_id');
      }
      const size = q.page_size ?? 50;
      const rows = await listJobLogs(
        db,
        {
          tenantId: tenantScope(request.principal, q.tenant),
          status: q.status,
          task: q.task,
          queue: q.queue,
          sourceType: q.source_type,
          sourceId: q.source_id,
          createdAfter: timeParam(q.created_after, 'created_after'),
          createdBefore: timeParam(q.created_before, 'created_before'),
        },
        size + 1,
        app.pageTokens.decode(request, 'job-logs', q.page_token, 2) as JobLogCursor | undefined,
      );
      const { items, next_page_token } = app.pageTokens.page(request, 'job-logs', rows, size, (r) => [
        r.cursor_at,
        r.id,
      ]);
      return { job_logs: items.map(jobLogSummaryJson), next_page_token };
    },
  );

  app.get(
    '/api/job-logs/stats',
    {
      schema: {
        tags: ['job-logs'],
        operationId: 'getJobLogStats',
        summary: 'Counts by status and per task over a window',
        querystring: Type.Object({
          since: Type.Optional(
            Type.String({
              format: 'date-time',
              description: `default: 24 hours ago; at most ${STATS_MAX_DAYS} days ago`,
            }),
          ),
          tenant: Type.Optional(Type.String({ maxLength: 63, description: 'admin keys only: one tenant' })),
        }),
        response: { 200: JobLogStats, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      // Whose stats first: a tenant asking for another's learns that, whatever its window.
      const scope = tenantScope(request.principal, request.query.tenant);
      const since = timeParam(request.query.since, 'since') ?? new Date(Date.now() - 86_400_000);
      if (since.getTime() < Date.now() - STATS_MAX_DAYS * 86_400_000)
        throw invalid('since', `must be within the last ${STATS_MAX_DAYS} days`);
      return jobLogStats(db, since, scope);
    },
  );

  app.get(
    '/api/job-logs/callback-secret',
    {
      schema: {
        tags: ['job-logs'],
        operationId: 'getCallbackSecret',
        summary: 'The key that signs this tenant’s completion callbacks',
        description:
          'Callbacks carry `Tenantry-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body with this key.',
        querystring: Type.Object({
          tenant: Type.Optional(Type.String({ maxLength: 63, description: 'admin keys: the tenant' })),
        }),
        response: {
          200: Type.Object(
            { tenant: Type.String(), secret: Type.String() },
            { examples: [{ tenant: 'acme', secret: 'mQ3c…' }] },
          ),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const tenant = tenantScope(request.principal, request.query.tenant);
      if (tenant === undefined) throw invalid('tenant', 'an admin key names the tenant');
      const row = await db
        .selectFrom('tenantry.tenants')
        .select('id')
        .where('id', '=', tenant)
        .executeTakeFirst();
      if (!row) throw notFound(`tenant ${tenant}`);
      return { tenant, secret: await callbackSecret(db, tenant) };
    },
  );

  app.delete(
    '/api/job-logs/cleanup',
    {
      schema: {
        tags: ['job-logs'],
        operationId: 'cleanupJobLogs',
        summary: 'Delete finished job logs older than N days',
        description:
          'Pending and running rows are never deleted. A tenant key deletes only its own rows; an admin key every ' +
          "tenant's, or one tenant's with `tenant`.",
        querystring: Type.Object({
          older_than_days: Type.Integer({ minimum: 1, maximum: 36500, examples: [30] }),
          tenant: Type.Optional(Type.String({ maxLength: 63, description: TenantFilterDescription })),
        }),
        response: {
          200: Type.Object({ deleted: Type.Integer({ minimum: 0 }) }, { examples: [{ deleted: 1200 }] }),
          ...problemResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => ({
      deleted: await cleanupJobLogs(
        db,
        request.query.older_than_days,
        tenantScope(request.principal, request.query.tenant),
      ),
    }),
  );

  app.get(
    '/api/job-logs/:id',
    {
      schema: {
        tags: ['job-logs'],
        operationId: 'getJobLog',
        summary: 'One job log, whole',
        params: Params,
        response: { 200: Type.Ref('JobLog'), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const row = await findJobLog(db, request.params.id, ownTenant(request.principal));
      if (!row) throw notFound(`job log ${request.params.id}`);
      return jobLogJson(row);
    },
  );

  app.post(
    '/api/job-logs/:id/cancel',
    {
      schema: {
        tags: ['job-logs'],
        operationId: 'cancelJob',
        summary: 'Cancel a pending or running job',
        description:
          'A pending job is removed and never runs (`cancelled`); a running job is signalled and its log ' +
          'ends `cancelled` (`cancelling` until then). A finished job is 409.',
        params: Params,
        response: {
          202: Type.Object(
            {
              id: Type.String(),
              status: Type.Union([Type.Literal('cancelled'), Type.Literal('cancelling')]),
            },
            { examples: [{ id: '1042', status: 'cancelled' }] },
          ),
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { status } = await cancelJob(db, request.params.id, { tenantId: ownTenant(request.principal) });
      return reply.code(202).send({ id: request.params.id, status });
    },
  );

  app.post(
    '/api/job-logs/:id/retry',
    {
      schema: {
        tags: ['job-logs'],
        operationId: 'retryJob',
        summary: 'Retry a failed or cancelled job on the same log row',
        params: Params,
        response: {
          202: Type.Object(
            {
              id: Type.String(),
              status: Type.Literal('pending'),
              job_id: Type.Union([Type.String(), Type.Null()], {
                description: "graphile-worker's job id; null while a tenant job waits in its lane",
              }),
            },
            { examples: [{ id: '1042', status: 'pending', job_id: null }] },
          ),
          ...problemResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      // A retried job waits again: it needs room under its tenant's pending-jobs bound.
      await reserveForRetry(
        db,
        request.params.id,
        deps.config.tenantMaxPendingJobs,
        ownTenant(request.principal),
      );
      const { jobId } = await retryJob(db, request.params.id, {
        tenantId: ownTenant(request.principal),
        notTasks: unretryableTasks(request.principal, registry),
      });
      return reply.code(202).send({ id: request.params.id, status: 'pending' as const, job_id: jobId });
    },
  );

  await app.register(runNowRoute, deps);
  await app.register(jobLogEvents, deps);
};
