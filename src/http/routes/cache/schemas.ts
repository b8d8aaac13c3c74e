import { Type } from 'typebox';

const Store = Type.Union([Type.Literal('postgres'), Type.Literal('redis')], {
  description: 'the configured cache store (CACHE_STORE)',
});

export const CacheFlushed = Type.Object(
  {
    tenant: Type.String(),
    store: Store,
    flushed: Type.Integer({ minimum: 0, description: 'live entries removed' }),
  },
  { title: 'CacheFlushed', examples: [{ tenant: 'acme', store: 'postgres', flushed: 42 }] },
);

export const TenantCacheStats = Type.Object(
  {
    tenant: Type.String(),
    store: Store,
    entries: Type.Integer({ minimum: 0, description: 'live entries' }),
    bytes: Type.Integer({
      minimum: 0,
      description: 'UTF-8 bytes of the live entries’ keys and JSON values (not storage overhead)',
    }),
    expired: Type.Integer({
      minimum: 0,
      description:
        'entries past their expiry awaiting the sweep (always 0 with Redis, which expires them itself)',
    }),
    max_bytes: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
      description:
        'CACHE_TENANT_MAX_BYTES: the cache sweep evicts the oldest entries of a tenant over it (null: no bound)',
    }),
  },
  {
    title: 'TenantCacheStats',
    examples: [
      {
        tenant: 'acme',
        store: 'postgres',
        entries: 1200,
        bytes: 262_144,
        expired: 15,
        max_bytes: 268_435_456,
      },
    ],
  },
);
