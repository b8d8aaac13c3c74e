import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { invalid } from '../../../errors.ts';
import { isDateTime } from '../../../exports/types.ts';
import { BULK_MAX, type BulkAction, bulkAct } from '../../../job-logs/bulk.ts';
import type { Principal } from '../../auth.ts';
import { problemResponses } from '../../problem.ts';
import { timeParam } from '../../time-param.ts';
import type { RouteDeps } from '../deps.ts';
import { JobLogId, JobStatusSchema } from '../job-logs/schemas.ts';
import { TenantFilterDescription, tenantScope, unretryableTasks } from '../principal-scope.ts';

const BulkRequest = Type.Object(
  {
    filter: Type.Optional(
      Type.Object(
        {
          status: Type.Optional(JobStatusSchema),
          task: Type.Optional(Type.String({ maxLength: 63 })),
          queue: Type.Optional(Type.String({ maxLength: 63 })),
          tenant: Type.Optional(Type.String({ maxLength: 63, description: TenantFilterDescription })),
          source_type: Type.Optional(Type.String({ maxLength: 100 })),
          source_id: Type.Optional(Type.String({ maxLength: 100 })),
          created_after: Type.Optional(Type.String({ format: 'date-time', description: 'inclusive' })),
          created_before: Type.Optional(Type.String({ format: 'date-time', description: 'exclusive' })),
        },
        { additionalProperties: false, description: 'the filters of GET /api/job-logs' },
      ),
    ),
    ids: Type.Optional(
      Type.Array(JobLogId, {
        maxItems: BULK_MAX,
        description: 'only these job logs (a selection), still within the filter',
      }),
    ),
    dry_run: Type.Optional(Type.Boolean({ default: false, description: 'count only' })),
    as_of: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'act only on rows in their state by this instant (retry: finished by then; cancel: created by ' +
          'then; run-now: created and last started by then). ' +
          'Pass the as_of a dry run (or the first call) returned to every call after it, so a retried job ' +
          'that fails again, or a job dispatched meanwhile, is not taken a second time',
      }),
    ),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: BULK_MAX, default: 100, description: 'most rows acted on' }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ filter: { status: 'failed', tenant: 'acme' }, dry_run: true }],
  },
);
type BulkRequest = Static<typeof BulkRequest>;

const BulkResult = Type.Object(
  {
    action: Type.Union([Type.Literal('retry'), Type.Literal('cancel'), Type.Literal('run-now')]),
    dry_run: Type.Boolean(),
    matched: Type.Integer({ minimum: 0, description: 'rows the action applies to, before this call' }),
    done: Type.Array(Type.String(), { description: 'ids acted on by this call' }),
    skipped: Type.Array(Type.Object({ id: Type.String(), detail: Type.String() }), {
      description: 'rows that changed meanwhile and were left alone',
    }),
    remaining: Type.Integer({ minimum: 0, description: 'rows still matching: call again while above 0' }),
    as_of: Type.String({
      format: 'date-time',
      description:
        "the request's as_of, or the instant this call counted at: pass it to the calls that follow",
    }),
  },
  {
    examples: [
      {
        action: 'retry',
        dry_run: false,
        matched: 3,
        done: ['17', '18', '21'],
        skipped: [],
        remaining: 0,
        as_of: '2026-11-23T20:00:00.123456Z',
      },
    ],
  },
);

/**
 * `as_of` goes to PostgreSQL as written, so the microseconds a count returned are kept; checked
 * first (isDateTime) for what the date-time format admits and PostgreSQL does not (a leap second,
 * a zone offset past ±15:59), which would be a database refusal naming no field.
 */
function instant(value: string | undefined): string | undefined {
  if (value !== undefined && !isDateTime(value))
    throw invalid('as_of', `is not a time PostgreSQL reads: "${value}"`);
  return value;
}

/** Bulk retry, cancel and run-now by filter or selection, bounded per call. */
export const jobBulkRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, registry, config }) => {
  const handle = (action: BulkAction, principal: Principal, given: BulkRequest | undefined) => {
    const body = given ?? {};
    const f = body.filter ?? {};
    if (f.source_id !== undefined && f.source_type === undefined) {
      throw invalid('filter.source_type', 'is required with source_id');
    }
    return bulkAct(db, {
      action,
      filters: {
        tenantId: tenantScope(principal, f.tenant),
        status: f.status,
        task: f.task,
        queue: f.queue,
        sourceType: f.source_type,
        sourceId: f.source_id,
        createdAfter: timeParam(f.created_after, 'filter.created_after'),
        createdBefore: timeParam(f.created_before, 'filter.created_before'),
      },
      ids: body.ids,
      asOf: instant(body.as_of),
      dryRun: body.dry_run ?? false,
      limit: body.limit ?? 100,
      notTasks: unretryableTasks(principal, registry),
      pendingMax: config.tenantMaxPendingJobs,
    });
  };

  const description = (what: string) =>
    `${what} every job log the filter (and \`ids\`, when given) selects, within the key's tenant, at most ` +
    '`limit` per call, oldest first; call again while `remaining` is above zero, passing the `as_of` the ' +
    'first call returned. `dry_run` only counts, for a confirmation that states the number.';

  app.post(
    '/api/job-logs/retry',
    {
      schema: {
        tags: ['job-logs'],
        operationId: 'retryJobs',
        summary: 'Retry failed or cancelled jobs by filter or selection',
        description: description('Puts back in the queue'),
        body: BulkRequest,
        response: { 200: BulkResult, ...problemResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => handle('retry', request.principal, request.body),
  );

  app.post(
    '/api/job-logs/cancel',
    {
      schema: {
        tags: ['job-logs'],
        operationId: 'cancelJobs',
        summary: 'Cancel pending or running jobs by filter or selection',
        description: description('Cancels'),
        body: BulkRequest,
        response: { 200: BulkResult, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => handle('cancel', request.principal, request.body),
  );

  app.post(
    '/api/job-logs/run-now',
    {
      schema: {
        tags: ['job-logs'],
        operationId: 'runJobsNow',
        summary: 'Run delayed or backing-off jobs now, by filter or selection',
        description: `${description('Makes due at once (as POST /api/job-logs/:id/run-now does)')} Selects pending jobs whose start is still ahead; a tenant key's system work is left out.`,
        body: BulkRequest,
        response: { 200: BulkResult, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => handle('run-now', request.principal, request.body),
  );
};
