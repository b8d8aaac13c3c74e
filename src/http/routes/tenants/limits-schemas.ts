import { type TSchema, Type } from 'typebox';
import { QUEUE_PATTERN } from '../../../jobs/lanes.ts';
import { LIMIT_RANGES } from '../../../jobs/tenant-limits-patch.ts';
import { TenantId } from './schemas.ts';

const { concurrency, weight, rateLimit, ratePeriodMs, pausedQueues, queueRates } = LIMIT_RANGES;

const QueueName = Type.String({
  pattern: QUEUE_PATTERN.source,
  maxLength: 63,
  description: 'a logical queue of the tenant',
  examples: ['default'],
});

const Concurrency = Type.Integer({ minimum: concurrency.min, maximum: concurrency.max, examples: [5] });
const Weight = Type.Number({ minimum: weight.min, maximum: weight.max, examples: [2] });
const RateLimit = Type.Integer({ minimum: rateLimit.min, maximum: rateLimit.max, examples: [100] });
const RatePeriod = Type.Integer({
  minimum: ratePeriodMs.min,
  maximum: ratePeriodMs.max,
  description: 'milliseconds',
  examples: [60_000],
});

// Responses carry no ranges: plan defaults come from configuration, whose checks may differ.
const RateJson = Type.Union(
  [
    Type.Object({ limit: Type.Integer(), period_ms: Type.Integer({ description: 'milliseconds' }) }),
    Type.Null(),
  ],
  { description: 'starts allowed per period, all the tenant’s queues together; null: no limit' },
);

const Settings = (description: string, nullable: boolean) => {
  const or = <T extends TSchema>(schema: T) => (nullable ? Type.Union([schema, Type.Null()]) : schema);
  return Type.Object(
    { concurrency: or(Type.Integer()), weight: or(Type.Number()), rate: RateJson },
    { description },
  );
};

/** What the rate windows hold now: what the next start or admission is counted against. */
export const RateUse = Type.Object(
  {
    tenant: Type.Union([Type.Integer(), Type.Null()], {
      description: 'charges in the tenant’s window now (null: no rate limit)',
    }),
    queues: Type.Record(Type.String({ pattern: QUEUE_PATTERN.source }), Type.Integer(), {
      description: 'charges in each window of a queue with a rate limit of its own',
    }),
  },
  {
    description:
      'starts counted against the rate limits now: admitted jobs (started or about to) and late starts, over the last period and up to 100 ms before it',
  },
);

export const TenantLimits = Type.Object(
  {
    tenant: TenantId,
    plan: Type.String({ examples: ['pro'] }),
    status: Type.Union([Type.Literal('active'), Type.Literal('inactive'), Type.Literal('suspended')]),
    override: Settings('this tenant’s overrides; null follows the plan', true),
    plan_defaults: Settings(
      'what applies without an override: the plan’s PLAN_SCHEDULING entry, else the tenant’s concurrency, weight 1 and no rate limit',
      false,
    ),
    effective: Settings(
      'what the scheduler applies now, to each of the tenant’s queues (concurrency: jobs running at once, cluster-wide)',
      false,
    ),
    paused: Type.Boolean({ description: 'nothing new of the tenant starts' }),
    paused_queues: Type.Array(QueueName, { description: 'queues of the tenant on which nothing new starts' }),
    queue_rates: Type.Record(
      Type.String({ pattern: QUEUE_PATTERN.source }),
      Type.Object({ limit: Type.Integer(), period_ms: Type.Integer({ description: 'milliseconds' }) }),
      { description: 'queues with a rate limit of their own (starts per period), on top of the tenant’s' },
    ),
    rate_use: RateUse,
    updated_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'last change of the overrides or pauses; null: never changed',
    }),
  },
  { $id: 'TenantLimits', title: 'TenantLimits' },
);

export const LimitsPatch = Type.Object(
  {
    concurrency: Type.Optional(
      Type.Union([Concurrency, Type.Null()], {
        description: 'jobs of one queue of the tenant running at once; null follows the plan',
      }),
    ),
    weight: Type.Optional(
      Type.Union([Weight, Type.Null()], {
        description: 'share of starts against competing tenants (2 gets twice 1’s); null follows the plan',
      }),
    ),
    rate: Type.Optional(
      Type.Union(
        [
          Type.Object(
            { limit: Type.Optional(RateLimit), period_ms: Type.Optional(RatePeriod) },
            { additionalProperties: false, minProperties: 1 },
          ),
          Type.Null(),
        ],
        {
          description:
            'starts per period, all the tenant’s queues together; a part merges into the current override (both are needed without one); null follows the plan',
        },
      ),
    ),
    paused: Type.Optional(Type.Union([Type.Boolean(), Type.Null()], { description: 'null: false' })),
    paused_queues: Type.Optional(
      Type.Union([Type.Array(QueueName, { maxItems: pausedQueues.max }), Type.Null()], {
        description: 'replaces the list; null: none',
      }),
    ),
    queue_rates: Type.Optional(
      Type.Union(
        [
          Type.Record(
            Type.String({ pattern: QUEUE_PATTERN.source }),
            Type.Union([
              Type.Object({ limit: RateLimit, period_ms: RatePeriod }, { additionalProperties: false }),
              Type.Null(),
            ]),
            { maxProperties: queueRates.max },
          ),
          Type.Null(),
        ],
        {
          description:
            'rate limits of single queues, on top of the tenant’s, merged per queue: {limit, period_ms} sets one, null removes it; null for the whole object removes them all',
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    description: 'A JSON Merge Patch (RFC 7396): an absent field stays as it is.',
    examples: [
      { concurrency: 10, weight: 2, rate: { limit: 100, period_ms: 60_000 } },
      { rate: null },
      { queue_rates: { reports: { limit: 10, period_ms: 60_000 }, emails: null } },
    ],
  },
);

export const PauseBody = Type.Optional(
  Type.Object(
    { queue: Type.Optional(QueueName) },
    { additionalProperties: false, description: 'queue: only this logical queue; absent: the whole tenant' },
  ),
);
