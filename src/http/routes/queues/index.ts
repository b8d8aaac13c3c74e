import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from 'typebox';
import { AdmissionShares } from '../../../insights/admission-shares.ts';
import { queueRows } from '../../../insights/queues.ts';
import { NextPageToken, PageQuery } from '../../pagination.ts';
import { problemResponses } from '../../problem.ts';
import type { RouteDeps } from '../deps.ts';
import { TenantFilterDescription, tenantScope } from '../principal-scope.ts';

const Count = Type.Integer({ minimum: 0 });
const Nullable = <T extends TSchema>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description });

const Queue = Type.Object(
  {
    tenant: Type.Union([Type.String(), Type.Null()], { description: 'null: a central queue' }),
    queue: Type.String(),
    tenant_status: Type.Union([Type.String(), Type.Null()]),
    ready: Type.Integer({ minimum: 0, description: 'waiting and due' }),
    scheduled: Type.Integer({
      minimum: 0,
      description: 'waiting for a later run_at (delayed or backing off before a retry)',
    }),
    admitted: Type.Integer({
      minimum: 0,
      description: 'handed to graphile-worker by the scheduler, not yet taken by a worker (central: 0)',
    }),
    running: Count,
    failed: Type.Integer({
      minimum: 0,
      description:
        'permanently failed, still queued (central queues; a tenant job leaves the queue when it fails)',
    }),
    oldest_ready_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    cap: Nullable(Type.Integer(), 'jobs of the lane running at once, cluster-wide (null: a central queue)'),
    weight: Nullable(
      Type.Number(),
      "the tenant's fair-share weight, shared among its queues with jobs due (not paused or held by a rate limit; null: a central queue)",
    ),
    rate_limit: Nullable(
      Type.Integer(),
      "the tenant's starts allowed per rate_period_ms, all its queues together (null: no rate limit)",
    ),
    rate_period_ms: Nullable(Type.Integer(), "the rate limit's period in milliseconds"),
    queue_rate_limit: Nullable(
      Type.Integer(),
      "this queue's own starts allowed per queue_rate_period_ms, on top of the tenant's (null: none)",
    ),
    queue_rate_period_ms: Nullable(Type.Integer(), "the queue's rate limit period in milliseconds"),
    fair_share: Nullable(
      Type.Number({ minimum: 0, maximum: 1 }),
      "the lane's fraction of the tenant jobs admitted (handed to workers) since share_since (for a " +
        "tenant key, of that tenant's own admissions); " +
        'null: a central queue, no baseline yet, or nothing admitted',
    ),
    paused: Nullable(
      Type.Boolean(),
      'nothing new of the lane starts: the tenant or this queue is paused (null: a central queue)',
    ),
    tenant_paused: Nullable(Type.Boolean(), 'the whole tenant is paused (null: a central queue)'),
  },
  { $id: 'Queue', title: 'Queue' },
);

const QueuePage = Type.Object(
  {
    queues: Type.Array(Type.Ref('Queue')),
    share_since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description:
        'start of the stretch fair_share covers (up to 5 minutes back, kept by this API process); ' +
        'null: no baseline yet, the next request has one',
    }),
    next_page_token: NextPageToken,
  },
  {
    examples: [
      {
        queues: [
          {
            tenant: 'acme',
            queue: 'notifications',
            tenant_status: 'active',
            ready: 4,
            scheduled: 1,
            admitted: 1,
            running: 2,
            failed: 0,
            oldest_ready_at: '2026-11-23T19:59:41.000Z',
            cap: 3,
            weight: 1,
            rate_limit: 100,
            rate_period_ms: 60000,
            queue_rate_limit: null,
            queue_rate_period_ms: null,
            fair_share: 0.25,
            paused: false,
            tenant_paused: false,
          },
        ],
        share_since: '2026-11-23T19:56:02.000Z',
        next_page_token: null,
      },
    ],
  },
);

type Key = [tenant: string, queue: string];
const keyOf = (r: { tenant: string | null; queue: string }): Key => [r.tenant ?? '', r.queue];
/** Code-unit order (central queues, tenant '', first), so a page token's position is unambiguous. */
const compareKeys = (a: Key, b: Key) =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

/** GET /api/queues: every logical queue's depth (a tenant key: its own). */
export const queueRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db }) => {
  app.addSchema(Queue);
  const shares = new AdmissionShares();
  app.get(
    '/api/queues',
    {
      schema: {
        tags: ['queues'],
        operationId: 'listQueues',
        summary:
          'Tenant lanes and central queues: depth, cap, weight, rate limit, share of admissions, pause',
        description:
          'One row per tenant lane (tenant × logical queue, every lane that has had a job), as ' +
          '`tenantry jobs monitor` shows them; central queues (tenant null) are listed for admin keys only. ' +
          'Ordered by tenant, then queue.',
        querystring: Type.Object({
          ...PageQuery,
          tenant: Type.Optional(Type.String({ maxLength: 63, description: TenantFilterDescription })),
        }),
        response: { 200: QueuePage, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const q = request.query;
      const tenant = tenantScope(request.principal, q.tenant);
      const size = q.page_size ?? 50;
      const list = `queues:${tenant ?? ''}`;
      const after = app.pageTokens.decode(request, list, q.page_token, 2);
      const view = await shares.observe(db);
      const own = request.principal.kind === 'tenant' ? request.principal.tenantId : undefined;
      const rows = (await queueRows(db, tenant, view, own))
        .sort((a, b) => compareKeys(keyOf(a), keyOf(b)))
        .filter((r) => after === undefined || compareKeys(keyOf(r), [after[0]!, after[1]!]) > 0);
      const { items, next_page_token } = app.pageTokens.page(request, list, rows, size, keyOf);
      return { queues: items, share_since: view?.since.toISOString() ?? null, next_page_token };
    },
  );
};
