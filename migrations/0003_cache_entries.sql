-- The tenant cache's Postgres store. Keys are `tenant_<id>_<key>` or `central_<key>`.
--
-- UNLOGGED: writes skip the WAL (roughly twice the upsert rate of a logged table), at the
-- price that the table is emptied after a crash and is not copied to replicas. Both are
-- acceptable for a cache: a miss only costs a recomputation.
--
-- COLLATE "C" orders keys by byte, so a prefix (one tenant, or a pattern's literal head) is
-- one contiguous range of the primary key: flush, keys and forgetPattern scan only that
-- tenant's entries, and no locale rule can make `tenant_1_` and `tenant_10_` interleave.
--
-- value holds the JSON text exactly as serialized (not jsonb, which would reorder object
-- keys), so both stores return byte-identical documents.
CREATE UNLOGGED TABLE cache_entries (
  key        text COLLATE "C" PRIMARY KEY CHECK (key <> ''),
  value      text NOT NULL,
  -- NULL: no expiry. A row past its expiry is invisible to every read and removed by the sweep.
  expires_at timestamptz
);

-- Serves the sweep (oldest expiries first, in batches) and the "expired awaiting sweep" stat.
CREATE INDEX cache_entries_expires_at_idx ON cache_entries (expires_at) WHERE expires_at IS NOT NULL;
