import { Type } from 'typebox';
import { NextPageToken } from '../../pagination.ts';

const Count = Type.Integer({ minimum: 0 });
const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

const Bucket = Type.Object({ start: Timestamp, completed: Count, failed: Count, cancelled: Count });
const Series = Type.Object({
  bucket_seconds: Type.Integer({ minimum: 1 }),
  buckets: Type.Array(Bucket),
  totals: Type.Object({ completed: Count, failed: Count, cancelled: Count }),
});

export const Throughput = Type.Object(
  {
    generated_at: Timestamp,
    hour: Series,
    day: Series,
  },
  {
    description:
      'Jobs that ended (completed, permanently failed, cancelled) per minute over the last hour and per ' +
      'half hour over the last day, by the time they ended.',
    examples: [
      {
        generated_at: '2026-11-23T20:00:00.000Z',
        hour: {
          bucket_seconds: 60,
          buckets: [{ start: '2026-11-23T19:59:00.000Z', completed: 12, failed: 1, cancelled: 0 }],
          totals: { completed: 12, failed: 1, cancelled: 0 },
        },
        day: {
          bucket_seconds: 1800,
          buckets: [{ start: '2026-11-23T19:30:00.000Z', completed: 340, failed: 4, cancelled: 2 }],
          totals: { completed: 340, failed: 4, cancelled: 2 },
        },
      },
    ],
  },
);

export const Attention = Type.Object(
  {
    most_failures: Type.Array(Type.Object({ tenant: Type.String(), failed: Count, total: Count }), {
      description: 'permanent failures over the last 24 hours, most first',
    }),
    oldest_waiting: Type.Array(
      Type.Object({ tenant: Type.String(), oldest_ready_at: Timestamp, ready: Count }),
      { description: 'the oldest job that is due and waiting, per tenant, oldest first' },
    ),
  },
  {
    examples: [
      {
        most_failures: [{ tenant: 'acme', failed: 4, total: 120 }],
        oldest_waiting: [{ tenant: 'globex', oldest_ready_at: '2026-11-23T19:12:00.000Z', ready: 31 }],
      },
    ],
  },
);

const TenantStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('inactive'),
  Type.Literal('suspended'),
]);

export const TenantOverview = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    plan: Type.String(),
    status: TenantStatus,
    status_reason: Type.Union([Type.String(), Type.Null()]),
    owner: Type.Union([Type.String(), Type.Null()]),
    limits: Type.Object({
      concurrency: Type.Integer({
        description: 'jobs of one queue the tenant runs at once: its override, else its plan default',
      }),
      plan_tenants_per_owner: Type.Union([Type.Integer(), Type.Null()], {
        description: 'tenants one owner may have on this plan (PLAN_LIMITS)',
      }),
    }),
    key_count: Type.Integer({ minimum: 0, description: 'API keys not revoked' }),
    cache_entries: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    newest_backup_at: NullableTimestamp,
    backup_warning: Type.Union([Type.String(), Type.Null()], {
      description: 'set when there is no backup or the newest is older than 48 hours',
    }),
    last_maintenance_at: NullableTimestamp,
    failed_last_24h: Count,
    created_at: Timestamp,
  },
  { $id: 'TenantOverview', title: 'TenantOverview' },
);

export const TenantOverviewPage = Type.Object(
  { tenants: Type.Array(Type.Ref('TenantOverview')), next_page_token: NextPageToken },
  {
    examples: [
      {
        tenants: [
          {
            id: 'acme',
            name: 'Acme Clinic',
            plan: 'pro',
            status: 'active',
            status_reason: null,
            owner: 'ops@acme.test',
            limits: { concurrency: 2, plan_tenants_per_owner: 5 },
            key_count: 2,
            cache_entries: 14,
            newest_backup_at: '2026-11-23T02:00:04.000Z',
            backup_warning: null,
            last_maintenance_at: '2026-11-22T04:00:09.000Z',
            failed_last_24h: 3,
            created_at: '2026-10-01T09:00:00.000Z',
          },
        ],
        next_page_token: null,
      },
    ],
  },
);
