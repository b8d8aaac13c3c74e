import { type Static, Type } from 'typebox';
import { NextPageToken, PageQuery } from '../../pagination.ts';

export const JobStatusSchema = Type.Union(
  [
    Type.Literal('pending'),
    Type.Literal('running'),
    Type.Literal('completed'),
    Type.Literal('failed'),
    Type.Literal('cancelled'),
  ],
  { description: 'job status', examples: ['running'] },
);

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });

export const JobLogId = Type.String({
  pattern: '^[0-9]{1,18}$',
  description: 'job-log id',
  examples: ['1042'],
});

const SummaryFields = {
  id: Type.String(),
  tenant: Type.Union([Type.String(), Type.Null()]),
  job_id: Type.Union([Type.String(), Type.Null()], { description: 'graphile-worker job id' }),
  task: Type.String(),
  queue: Type.String(),
  lane: Type.Union([Type.String(), Type.Null()]),
  status: JobStatusSchema,
  status_label: Type.String({ description: 'human label of the status' }),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  step: Nullable(Type.String()),
  source: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
  attempts: Type.Integer(),
  max_attempts: Type.Integer(),
  priority: Type.Integer(),
  error_message: Nullable(Type.String()),
  run_at: Type.String({
    format: 'date-time',
    description:
      'when the job runs; while a failed attempt backs off (pending, attempts above 0), when it is tried next',
  }),
  created_at: Timestamp,
  started_at: Nullable(Timestamp),
  finished_at: Nullable(Timestamp),
  duration_ms: Type.Union([Type.Integer(), Type.Null()]),
  cancel_requested_at: Nullable(Timestamp),
};

const EXAMPLE = {
  id: '1042',
  tenant: 'acme',
  job_id: '88',
  task: 'export-data',
  queue: 'exports',
  lane: 'tenant_acme_exports',
  status: 'running',
  status_label: 'Running',
  progress: 60,
  step: 'writing rows',
  source: { type: 'export', id: '7' },
  attempts: 1,
  max_attempts: 3,
  priority: 0,
  error_message: null,
  run_at: '2026-11-23T20:00:00.000Z',
  created_at: '2026-11-23T20:00:00.000Z',
  started_at: '2026-11-23T20:00:01.000Z',
  finished_at: null,
  duration_ms: null,
  cancel_requested_at: null,
};

/** A row of a job-log list: no payload, meta, result or stack, and error messages cut to 500 characters. */
export const JobLogSummary = Type.Object(SummaryFields, { $id: 'JobLogSummary', examples: [EXAMPLE] });

/** One whole job log. */
export const JobLog = Type.Object(
  {
    ...SummaryFields,
    payload: Type.Unknown(),
    meta: Type.Unknown(),
    result: Type.Unknown(),
    error_stack: Nullable(Type.String()),
    attempt_errors: Type.Array(
      Type.Object({
        attempt: Type.Integer({ minimum: 0, description: 'the attempt that failed (1 is the first)' }),
        at: Type.String({ format: 'date-time' }),
        status: Type.Union([Type.Literal('pending'), Type.Literal('failed')], {
          description: 'pending: it was to run again; failed: it had failed for good',
        }),
        message: Type.String({ description: 'its error, cut to 1,000 characters' }),
      }),
      {
        description:
          'every failed attempt, oldest first (the newest 25), kept across manual retries; error_message is the latest in full',
      },
    ),
  },
  {
    $id: 'JobLog',
    examples: [
      {
        ...EXAMPLE,
        payload: { export_id: '7' },
        meta: {},
        result: null,
        error_stack: null,
        attempt_errors: [],
      },
    ],
  },
);

export const JobLogQuery = Type.Object({
  ...PageQuery,
  status: Type.Optional(JobStatusSchema),
  task: Type.Optional(Type.String({ maxLength: 63, examples: ['export-data'] })),
  queue: Type.Optional(Type.String({ maxLength: 63, examples: ['default'] })),
  tenant: Type.Optional(Type.String({ maxLength: 63, description: 'admin keys only: one tenant' })),
  source_type: Type.Optional(Type.String({ maxLength: 100, examples: ['appointment'] })),
  source_id: Type.Optional(Type.String({ maxLength: 100, examples: ['42'] })),
  created_after: Type.Optional(Type.String({ format: 'date-time', description: 'inclusive' })),
  created_before: Type.Optional(Type.String({ format: 'date-time', description: 'exclusive' })),
});
export type JobLogQuery = Static<typeof JobLogQuery>;

export const JobLogPage = Type.Object({
  job_logs: Type.Array(Type.Ref('JobLogSummary')),
  next_page_token: NextPageToken,
});

const Count = Type.Integer({ minimum: 0 });
const Counts = { total: Count, completed: Count, failed: Count };

export const JobLogStats = Type.Object(
  {
    since: Timestamp,
    by_status: Type.Object({
      pending: Count,
      running: Count,
      completed: Count,
      failed: Count,
      cancelled: Count,
    }),
    by_task: Type.Array(
      Type.Object({
        task: Type.String(),
        ...Counts,
        avg_duration_ms: Type.Union([Type.Integer(), Type.Null()]),
        p95_duration_ms: Type.Union([Type.Integer(), Type.Null()]),
      }),
    ),
    now: Type.Object(
      {
        pending: Count,
        running: Count,
        scheduled: Type.Integer({
          minimum: 0,
          description:
            'of the pending, those whose run_at is still ahead (delayed, or backing off before a retry)',
        }),
      },
      { description: 'live queue, not the window' },
    ),
    by_tenant: Type.Optional(
      Type.Array(Type.Object({ tenant: Type.Union([Type.String(), Type.Null()]), ...Counts }), {
        description: 'admin keys only',
      }),
    ),
  },
  {
    examples: [
      {
        since: '2026-11-22T20:00:00.000Z',
        by_status: { pending: 2, running: 1, completed: 40, failed: 3, cancelled: 0 },
        by_task: [
          {
            task: 'export-data',
            total: 46,
            completed: 40,
            failed: 3,
            avg_duration_ms: 812,
            p95_duration_ms: 2400,
          },
        ],
        now: { pending: 2, running: 1, scheduled: 1 },
      },
    ],
  },
);
