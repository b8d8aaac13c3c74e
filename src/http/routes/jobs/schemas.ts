import { type Static, Type } from '@sinclair/typebox';

export const JobRequest = Type.Object(
  {
    task: Type.String({ minLength: 1, maxLength: 63, description: 'a task name (see src/tasks)' }),
    payload: Type.Optional(Type.Unknown({ description: 'validated against the task payload schema' })),
    tenant: Type.Optional(
      Type.String({
        description: 'admin keys: the tenant to run for (omit for a central job); tenant keys: their own',
      }),
    ),
    queue: Type.Optional(
      Type.String({ description: 'logical queue; default is the task queue', examples: ['emails'] }),
    ),
    run_at: Type.Optional(Type.String({ format: 'date-time', description: 'run no earlier than this time' })),
    delay_ms: Type.Optional(
      Type.Integer({ minimum: 0, description: 'run after this delay (instead of run_at)' }),
    ),
    priority: Type.Optional(Type.Integer({ description: 'lower runs first, -32768..32767' })),
    job_key: Type.Optional(
      Type.String({ description: 'replaces a pending job with the same key (debounce)' }),
    ),
    max_attempts: Type.Optional(Type.Integer({ description: '1-25; default is the task setting' })),
    source: Type.Optional(
      Type.Object(
        {
          type: Type.String({ minLength: 1, maxLength: 100 }),
          id: Type.String({ minLength: 1, maxLength: 100 }),
        },
        { description: 'what the job is about, e.g. {type: "appointment", id: "42"}' },
      ),
    ),
    meta: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: 'free-form metadata kept with the log' }),
    ),
    callback_url: Type.Optional(
      Type.String({
        maxLength: 2048,
        description:
          'tenant jobs: the job log is POSTed here when the job ends, signed in the Tenantry-Signature header ' +
          '(sha256=HMAC-SHA256 of the body with the tenant callback secret); http(s), no private addresses',
        examples: ['https://app.example.com/hooks/jobs'],
      }),
    ),
  },
  {
    additionalProperties: false,
    $id: 'JobRequest',
    examples: [{ task: 'send-appointment-email', payload: { appointment_id: 42, kind: 'confirmation' } }],
  },
);
export type JobRequest = Static<typeof JobRequest>;

export const AcceptedJob = Type.Object(
  {
    id: Type.String({ description: 'the job-log id' }),
    status: Type.Literal('pending'),
    queue: Type.String(),
    task: Type.String(),
    tenant: Type.Union([Type.String(), Type.Null()]),
    lane: Type.Union([Type.String(), Type.Null()], { description: 'the graphile-worker queue it runs on' }),
    run_at: Type.String({ format: 'date-time' }),
  },
  {
    $id: 'AcceptedJob',
    examples: [
      {
        id: '1042',
        status: 'pending',
        queue: 'emails',
        task: 'send-appointment-email',
        tenant: 'acme',
        lane: 'tenant_acme_emails',
        run_at: '2026-11-23T20:00:00.000Z',
      },
    ],
  },
);
export type AcceptedJob = Static<typeof AcceptedJob>;
