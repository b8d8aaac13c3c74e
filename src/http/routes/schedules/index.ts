import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { RECENT_RUNS, scheduleRows } from '../../../insights/schedules.ts';
import { NextPageToken, PageQuery } from '../../pagination.ts';
import { problemResponses } from '../../problem.ts';
import type { RouteDeps } from '../deps.ts';

const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String | typeof Type.Integer>>(t: T) =>
  Type.Union([t, Type.Null()]);

const Schedule = Type.Object(
  {
    identifier: Type.String({ description: 'graphile-worker identifier (`id=` option, else the task)' }),
    task: Type.String(),
    expression: Type.String({ description: 'the five cron fields, UTC' }),
    description: Type.String({ description: 'the comment above the entry' }),
    payload: Type.Unknown(),
    next_run_at: Timestamp,
    last_execution_at: Nullable(Timestamp),
    recent_runs: Type.Array(
      Type.Object({
        job_log_id: Type.String(),
        status: Type.String(),
        created_at: Timestamp,
        finished_at: Nullable(Timestamp),
        duration_ms: Nullable(Type.Integer()),
        error_message: Nullable(Type.String()),
      }),
      { description: `the latest ${RECENT_RUNS} runs within 40 days, newest first` },
    ),
  },
  { $id: 'Schedule', title: 'Schedule' },
);

const SchedulePage = Type.Object(
  { schedules: Type.Array(Type.Ref('Schedule')), next_page_token: NextPageToken },
  {
    examples: [
      {
        schedules: [
          {
            identifier: 'tenant-backup',
            task: 'tenant-backup',
            expression: '0 2 * * *',
            description: 'Backups of every tenant, daily at 02:00, keeping the newest 7 of each.',
            payload: { keep: 7 },
            next_run_at: '2026-11-24T02:00:00.000Z',
            last_execution_at: '2026-11-23T02:00:00.000Z',
            recent_runs: [
              {
                job_log_id: '981',
                status: 'completed',
                created_at: '2026-11-23T02:00:00.120Z',
                finished_at: '2026-11-23T02:00:41.000Z',
                duration_ms: 40800,
                error_message: null,
              },
            ],
          },
        ],
        next_page_token: null,
      },
    ],
  },
);

/** GET /api/schedules: the crontab with next runs and recent outcomes (admin). */
export const scheduleRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { db, config }) => {
  app.addSchema(Schedule);
  app.get(
    '/api/schedules',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['schedules'],
        operationId: 'listSchedules',
        summary: 'Crontab entries with their next run and the outcome of their last runs (admin)',
        querystring: Type.Object(PageQuery),
        response: { 200: SchedulePage, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const size = request.query.page_size ?? 50;
      const after = app.pageTokens.decode(request, 'schedules', request.query.page_token, 1)?.[0];
      const rows = (await scheduleRows(db, config.crontabFile)).sort((a, b) =>
        a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : 0,
      );
      const rest = after === undefined ? rows : rows.filter((r) => r.identifier > after);
      const { items, next_page_token } = app.pageTokens.page(request, 'schedules', rest, size, (s) => [
        s.identifier,
      ]);
      return { schedules: items, next_page_token };
    },
  );
};
