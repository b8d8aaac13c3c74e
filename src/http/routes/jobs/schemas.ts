import { type Static, Type } from 'typebox';

export const JobRequest = Type.Object(
  {
    task: Type.String({ minLength: 1, maxLength: 63, description: 'a task name (see src/tasks)' }),
    payload: Type.Optional(Type.Unknown({ description: 'validated against the task payload schema' })),
    tenant: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
        maxLength: 40,
        description: 'admin keys: the tenant a tenant task runs for; tenant keys: their own (or omit)',
      }),
    ),
    queue: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9_-]{0,62}$',
        description: 'logical queue; default is the task queue',
        examples: ['emails'],
      }),
    ),
    run_at: Type.Optional(Type.String({ format: 'date-time', description: 'run no earlier than this time' })),
    delay_ms: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 315_576_000_000,
        description: 'run after this delay in milliseconds, at most ten years (instead of run_at)',
      }),
    ),
    priority: Type.Optional(
      Type.Integer({ minimum: -32768, maximum: 32767, description: 'lower runs first within the queue' }),
    ),
    job_key: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description: "replaces this tenant's pending job with the same key (debounce); keys are per tenant",
      }),
    ),
    max_attempts: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 25, description: 'default is the task setting' }),
    ),
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
        format: 'uri',
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
    status: Type.Union([Type.Literal('pending'), Type.Literal('cancelled')], {
      description: 'cancelled: a later item of the same request with the same job_key replaced it',
    }),
    superseded_by: Type.Optional(
      Type.String({ description: 'the job-log id that replaced it (when cancelled)' }),
    ),
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
