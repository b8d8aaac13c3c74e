import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SCHEDULER_FIGURES_AVAILABLE } from '../../../insights/queue-scheduler-placeholders.ts';
import { queueRows } from '../../../insights/queues.ts';
import { NextPageToken, PageQuery } from '../../pagination.ts';
import { problemResponses } from '../../problem.ts';
import type { RouteDeps } from '../deps.ts';
import { TenantFilterDescription, tenantScope } from '../principal-scope.ts';

const Count = Type.Integer({ minimum: 0 });
const NullableNumber = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

const Queue = Type.Object(
  {
    tenant: Type.Union([Type.String(), Type.Null()], { description: 'null: a central queue' }),
    queue: Type.String(),
    tenant_status: Type.Union([Type.String(), Type.Null()]),
    lanes: Count,
    ready: Type.Integer({ minimum: 0, description: 'waiting and due' }),
    scheduled: Type.Integer({
      minimum: 0,
      description: 'waiting for a later run_at (delayed or backing off)',
    }),
    running: Count,
    failed: Type.Integer({ minimum: 0, description: 'permanently failed, still in the queue' }),
    oldest_ready_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    admitted: NullableNumber('admitted and not yet running (fair scheduler; null until it is in place)'),
    cap: NullableNumber('concurrency cap (fair scheduler; null until it is in place)'),
    weight: NullableNumber('fair-share weight (fair scheduler; null until it is in place)'),
    rate_limit: NullableNumber('admissions per second (fair scheduler; null until it is in place)'),
    fair_share: NullableNumber('share of recent admissions, 0-1 (fair scheduler; null until it is in place)'),
    paused: Type.Union([Type.Boolean(), Type.Null()], {
      description: 'paused lane (fair scheduler; null until it is in place)',
    }),
  },
  { $id: 'Queue', title: 'Queue' },
);

const QueuePage = Type.Object(
  {
    queues: Type.Array(Type.Ref('Queue')),
    scheduler_figures: Type.Boolean({
      description: 'whether cap, weight, rate, share and pause are reported',
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
            lanes: 1,
            ready: 4,
            scheduled: 1,
            running: 1,
            failed: 0,
            oldest_ready_at: '2026-11-23T19:59:41.000Z',
            admitted: null,
            cap: null,
            weight: null,
            rate_limit: null,
            fair_share: null,
            paused: null,
          },
        ],
        scheduler_figures: false,
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
  app.get(
    '/api/queues',
    {
      schema: {
        tags: ['queues'],
        operationId: 'listQueues',
        summary: 'Queues per tenant: ready, scheduled, running, failed, oldest waiting job',
        description:
          'Folded from graphile-worker lanes into (tenant, queue), as `tenantry jobs monitor` shows them; ' +
          'central queues (tenant null) are listed for admin keys only. Ordered by tenant, then queue.',
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
      const rows = (await queueRows(db, tenant))
        .sort((a, b) => compareKeys(keyOf(a), keyOf(b)))
        .filter((r) => after === undefined || compareKeys(keyOf(r), [after[0]!, after[1]!]) > 0);
      const { items, next_page_token } = app.pageTokens.page(request, list, rows, size, keyOf);
      return { queues: items, scheduler_figures: SCHEDULER_FIGURES_AVAILABLE, next_page_token };
    },
  );
};
