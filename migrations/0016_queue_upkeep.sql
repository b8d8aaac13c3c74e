-- Upkeep of the queue tables. Every job inserts, updates and deletes rows of graphile-worker's
-- jobs table and of lane_jobs, and every admission pass rewrites its lanes' rows: at thousands
-- of jobs a second these tables fill with dead rows far faster than autovacuum (a visit a
-- minute at its default naptime, or never when it is off) clears them. The cost lands on the
-- hot path: add_jobs() scans graphile-worker's jobs table for job keys on every call (2-4 ms a
-- pass once the table is a few thousand dead rows long), and admission's lane walks step over
-- the index entries of every job admitted before. Workers therefore vacuum these tables
-- themselves, cluster-wide at most once per interval and only when they have dead rows:
-- claim_upkeep() decides which worker does it, the worker runs the VACUUM (src/db/graphile-private.ts).

-- When the tables were last claimed for upkeep (one row).
CREATE TABLE queue_upkeep (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  last_at timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO queue_upkeep DEFAULT VALUES;

-- Dead rows the statistics count in the tables the upkeep vacuums (they lag up to a second).
-- Looked up by name when called: graphile-worker installs its schema after these migrations.
CREATE FUNCTION queue_dead_rows() RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(pg_stat_get_dead_tuples(to_regclass(t))), 0)::bigint
  FROM unnest(ARRAY['graphile_worker._private_jobs', 'tenantry.lane_jobs', 'tenantry.lanes',
                    'tenantry.lane_releases']) AS t
$$;

-- True for the one caller that should vacuum now: the tables have at least p_min_dead dead
-- rows and no upkeep was claimed in the last p_every_ms. Never waits: a caller that finds
-- another claiming gets false.
CREATE FUNCTION claim_upkeep(p_every_ms integer, p_min_dead integer) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF p_every_ms <= 0 OR tenantry.queue_dead_rows() < p_min_dead THEN RETURN false; END IF;
  UPDATE tenantry.queue_upkeep u SET last_at = clock_timestamp()
  WHERE u.id AND u.last_at <= clock_timestamp() - p_every_ms * interval '1 millisecond'
    AND u.id IN (SELECT q.id FROM tenantry.queue_upkeep q FOR UPDATE SKIP LOCKED);
  RETURN FOUND;
END
$$;
