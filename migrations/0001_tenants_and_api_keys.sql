-- Control plane: tenants and the API keys that authenticate against them.
-- A tenant id is a slug that is safe inside an identifier (schema tenant_<id>,
-- queue tenant_<id>_<queue>): lowercase letters, digits and single dashes.

CREATE TABLE tenants (
  id            text PRIMARY KEY
                CHECK (id ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(id) <= 40),
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  plan          text NOT NULL DEFAULT 'free',
  status        text NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'inactive', 'suspended')),
  status_reason text,
  settings      jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(settings) = 'object'),
  owner         text,
  concurrency   integer NOT NULL DEFAULT 1 CHECK (concurrency BETWEEN 1 AND 64),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX tenants_owner_idx ON tenants (owner) WHERE owner IS NOT NULL;

-- A key with tenant_id NULL is an admin key. Only the SHA-256 of a key is kept.
CREATE TABLE api_keys (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id    text REFERENCES tenants (id) ON DELETE CASCADE,
  name         text NOT NULL DEFAULT 'default',
  key_hash     bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
  key_prefix   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);

CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id);
