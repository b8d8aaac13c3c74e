-- Rate limits over a sliding window. Fixed windows (0008: window_start, window_count) let a
-- lane start up to twice its limit in a period that straddles two windows. A lane now keeps
-- its admissions of the last period in slices of 1/16 of the period: rate_ends[i] is the end
-- (ms since the epoch) of a slice in which rate_counts[i] jobs were admitted. A slice counts
-- against the limit while any part of it lies within the last period, so the admissions of
-- any period never exceed the limit; the price is up to 1/16 of a period of unused room after
-- a burst. Slices are ended in absolute time, so a changed period still counts every
-- admission that may lie within it.
-- Admission is not start: an admitted job waits for a free worker slot, so jobs admitted a
-- period apart can start together. The promise is about starts, so a job of a rate-limited
-- lane passes rate_start() as it starts, which keeps the lane's starts in slices the same way
-- (start_ends, start_counts) and holds back a start that would exceed the limit: the job goes
-- back to its lane until the window has room, and its admission is given back.

ALTER TABLE lanes
  DROP COLUMN window_start,
  DROP COLUMN window_count,
  ADD COLUMN rate_ends bigint[] NOT NULL DEFAULT '{}',
  ADD COLUMN rate_counts integer[] NOT NULL DEFAULT '{}',
  ADD COLUMN start_ends bigint[] NOT NULL DEFAULT '{}',
  ADD COLUMN start_counts integer[] NOT NULL DEFAULT '{}';

-- Admissions of slices that end after p_from_ms (those that may lie within the window).
CREATE FUNCTION rate_used(p_ends bigint[], p_counts integer[], p_from_ms bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(sum(u.c), 0)::integer FROM unnest(p_ends, p_counts) AS u(e, c) WHERE u.e > p_from_ms
$$;

-- The slices after p_n admissions (or starts) at p_now_ms: they go into the slice that holds
-- p_now_ms. Slices are dropped two periods after they end, not one: starts are recorded at
-- the times their workers took them, which may arrive a little out of order, and a start
-- recorded late must still see every slice of the period before it.
CREATE FUNCTION rate_record(p_ends bigint[], p_counts integer[], p_period_ms integer, p_now_ms bigint, p_n integer,
                            OUT ends bigint[], OUT counts integer[])
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  WITH slice AS (
    SELECT (p_now_ms / greatest(1, p_period_ms / 16) + 1) * greatest(1, p_period_ms / 16) AS e
  ), kept AS (
    SELECT u.e, u.c, u.o FROM unnest(p_ends, p_counts) WITH ORDINALITY AS u(e, c, o)
    WHERE u.e > p_now_ms - 2 * p_period_ms
  ), merged AS (
    SELECT k.e, k.c + CASE WHEN k.e = s.e THEN p_n ELSE 0 END AS c, k.o FROM kept k, slice s
    UNION ALL
    SELECT s.e, p_n, 2147483647 FROM slice s WHERE NOT EXISTS (SELECT 1 FROM kept k WHERE k.e = s.e)
  )
  SELECT coalesce(array_agg(e ORDER BY o), '{}'), coalesce(array_agg(c ORDER BY o), '{}') FROM merged
$$;

-- Moves due jobs of runnable lanes with room into graphile-worker's unnamed queue. The room is
-- the admission slots of live workers (at least p_min_budget) minus jobs already queued there,
-- so graphile-worker's queue stays short, and its order is the order chosen here (run_at carries
-- the virtual finish time): smallest virtual finish time first (lane vtime + k/weight for its k-th job), within a lane
-- by priority then dispatch order. Returns how many jobs were admitted.
CREATE OR REPLACE FUNCTION admit(p_min_budget integer DEFAULT 0) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_room integer;
  v_lanes text[];
  v_counts integer[];
  v_total integer;
  v_names text[];
  v_vtimes double precision[];
  v_weights real[];
  v_rooms integer[];
  v_rated text[];
  -- One clock for the rate windows of this pass: the time of the pass, not of its transaction.
  v_now_ms bigint := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
BEGIN
  SELECT greatest(p_min_budget, coalesce(sum(admission_slots), 0))::integer INTO v_room
    FROM tenantry.workers WHERE last_seen_at > now() - interval '1 minute';
  IF v_room <= 0 THEN RETURN 0; END IF;
  -- Jobs graphile-worker could hand out now (its partial index on is_available: no view, no
  -- join; graphile-private.ts lists this use).
  -- The ORDER BY matches that index, so even with stale statistics (a young, churning table)
  -- the count reads at most v_room index entries instead of scanning the table.
  v_room := v_room - (SELECT count(*) FROM (
    SELECT 1 FROM graphile_worker._private_jobs
    WHERE is_available = true AND run_at <= now() ORDER BY priority, run_at LIMIT v_room) q)::integer;
  IF v_room <= 0 THEN RETURN 0; END IF;
  PERFORM tenantry.fold_releases();

  -- Lanes are locked in a statement of their own: the next statement's snapshot is taken
  -- after the locks, so it sees every admission committed before them (a snapshot taken
  -- earlier would show another pass's admitted jobs as still waiting, and admit them twice).
  SELECT array_agg(p.name ORDER BY p.vtime), array_agg(p.vtime ORDER BY p.vtime),
         array_agg(p.weight ORDER BY p.vtime), array_agg(p.room ORDER BY p.vtime),
         coalesce(array_agg(p.name) FILTER (WHERE p.rated), '{}')
  INTO v_names, v_vtimes, v_weights, v_rooms, v_rated
  FROM (
    SELECT l.name, l.vtime, l.weight, l.rate_limit IS NOT NULL AS rated,
           least(l.cap - l.inflight, CASE
             WHEN l.rate_limit IS NULL THEN v_room
             ELSE l.rate_limit - tenantry.rate_used(l.rate_ends, l.rate_counts, v_now_ms - l.rate_period_ms) END) AS room
    FROM tenantry.lanes l
    WHERE l.due IS NOT NULL AND l.runnable AND l.due <= now() AND l.inflight < l.cap
      AND (l.rate_limit IS NULL
           OR tenantry.rate_used(l.rate_ends, l.rate_counts, v_now_ms - l.rate_period_ms) < l.rate_limit)
    ORDER BY l.vtime
    LIMIT v_room
    FOR UPDATE SKIP LOCKED
  ) p;
  IF v_names IS NULL THEN RETURN 0; END IF;

  WITH picked AS MATERIALIZED (
    SELECT * FROM unnest(v_names, v_vtimes, v_weights, v_rooms) AS p(name, vtime, weight, room)
  ), candidates AS (
    SELECT p.name, j.log_id, j.attempts,
           p.vtime + (row_number() OVER (PARTITION BY p.name ORDER BY j.priority, j.log_id)) / p.weight AS finish
    FROM picked p
    CROSS JOIN LATERAL (
      SELECT lj.log_id, lj.priority, lj.attempts FROM tenantry.lane_jobs lj
      WHERE lj.lane = p.name AND lj.job_id IS NULL AND lj.run_at <= now()
      ORDER BY lj.priority, lj.log_id
      LIMIT p.room
    ) j
    WHERE p.room > 0
  ), chosen AS MATERIALIZED (
    SELECT c.* FROM candidates c ORDER BY c.finish, c.log_id LIMIT v_room
  ), logs AS MATERIALIZED (
    -- No lock on the log rows: a cancel locks the log, then waits for the lane this pass holds,
    -- and finds the job admitted (withdraw_job), so admission and cancel never race.
    -- One index lookup per chosen job (LATERAL): a join with `id = ANY(chosen ids)` as well
    -- was planned as a nested loop that searched the whole array for every chosen job.
    SELECT c.name, c.finish, c.attempts, l.id, l.task, l.tenant_id, l.queue, l.payload, l.max_attempts
    FROM chosen c
    CROSS JOIN LATERAL (
      SELECT l.id, l.task, l.tenant_id, l.queue, l.payload, l.max_attempts FROM tenantry.job_logs l
      WHERE l.id = c.log_id AND l.status = 'pending'
    ) l
  ), ordered AS MATERIALIZED (
    SELECT logs.*, row_number() OVER (ORDER BY finish, id) AS ord, count(*) OVER () AS total FROM logs
  ), added AS (
    SELECT j.id AS job_id, (j.payload->>'log')::bigint AS log_id
    FROM graphile_worker.add_jobs(ARRAY(
      SELECT ROW(
        o.task,
        json_build_object('log', o.id, 'tenant', o.tenant_id, 'queue', o.queue, 'attempt', o.attempts,
                          'laned', true, 'rated', o.name = ANY(v_rated), 'payload', o.payload),
        -- run_at encodes the virtual finish time (1 ms per job of weight 1, from 2000-01-01), so
        -- graphile-worker's fetch order (priority, run_at) is the fair order across passes too:
        -- a job of a lane that was idle starts ahead of busy lanes' jobs already queued. Never
        -- later than now, so it is always runnable.
        NULL, least(now(), timestamptz '2000-01-01 00:00:00+00' + o.finish * interval '1 millisecond'),
        greatest(1, o.max_attempts - o.attempts)::smallint, NULL, 0::smallint,
        -- `laned` (never a forbidden flag) tells the rescue of a dead worker that a job of
        -- this kind whose lane row is gone has already ended (src/worker/release.ts).
        ARRAY['t:' || o.tenant_id, 'q:' || o.queue, 'laned']
      )::graphile_worker.job_spec FROM ordered o ORDER BY o.ord), false) j
  ), marked AS (
    UPDATE tenantry.lane_jobs lj SET job_id = a.job_id FROM added a
    WHERE lj.log_id = ANY(ARRAY(SELECT log_id FROM added)) AND lj.log_id = a.log_id
    RETURNING lj.lane
  ), per_lane AS (
    SELECT lane, count(*)::integer AS n FROM marked GROUP BY lane
  ), counts AS (
    SELECT p.name, coalesce(m.n, 0) AS n FROM picked p LEFT JOIN per_lane m ON m.lane = p.name
  )
  SELECT array_agg(name), array_agg(n), coalesce(sum(n), 0)::integer INTO v_lanes, v_counts, v_total FROM counts;
  IF v_lanes IS NULL THEN RETURN 0; END IF;

  UPDATE tenantry.lanes l SET
    inflight = l.inflight + a.n,
    vtime = l.vtime + a.n / l.weight,
    admitted_total = l.admitted_total + a.n,
    rate_ends = CASE WHEN l.rate_limit IS NULL OR a.n = 0 THEN l.rate_ends
                     ELSE (tenantry.rate_record(l.rate_ends, l.rate_counts, l.rate_period_ms, v_now_ms, a.n)).ends END,
    rate_counts = CASE WHEN l.rate_limit IS NULL OR a.n = 0 THEN l.rate_counts
                       ELSE (tenantry.rate_record(l.rate_ends, l.rate_counts, l.rate_period_ms, v_now_ms, a.n)).counts END,
    due = (SELECT min(j.run_at) FROM tenantry.lane_jobs j WHERE j.lane = l.name AND j.job_id IS NULL)
  FROM unnest(v_lanes, v_counts) AS a(name, n)
  WHERE l.name = a.name;
  RETURN v_total;
END
$$;


CREATE INDEX lanes_rated_idx ON lanes (name) WHERE rate_limit IS NOT NULL;

-- Milliseconds until the first rate-limited lane that has due jobs but no rate room gets room
-- back (its oldest slice leaves the window: admissions never exceed the limit, so that always
-- frees some), or NULL. The admission tick uses it to run a pass then, not a tick later.
CREATE FUNCTION rate_refill_in() RETURNS bigint LANGUAGE sql STABLE AS $$
  -- greatest() ignores NULL: no such lane must stay NULL, not become 0.
  SELECT CASE WHEN min(l.rate_ends[1]) IS NOT NULL
              THEN greatest(0, min(l.rate_ends[1] + l.rate_period_ms) - (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
         END
  FROM tenantry.lanes l
  WHERE l.rate_limit IS NOT NULL AND l.runnable AND l.due <= now() AND l.inflight < l.cap
    AND cardinality(l.rate_ends) > 0
    AND tenantry.rate_used(l.rate_ends, l.rate_counts,
                           (extract(epoch FROM clock_timestamp()) * 1000)::bigint - l.rate_period_ms) >= l.rate_limit
$$;

-- The start of a job of a rate-limited lane at p_at_ms (the time its job log records as its
-- start): 0 when it may start (the start is recorded), else the milliseconds until the lane's
-- starts leave room (nothing recorded; one admission is given back, so the job can be
-- admitted again). A lane without a limit (any more) always starts. Starts of one lane are
-- counted one at a time (row lock). Every slice that may hold a start within the period
-- ending at p_at_ms counts, later ones too, so starts recorded out of order still never
-- exceed the limit in any period.
CREATE FUNCTION rate_start(p_lane text, p_at_ms bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_now_ms bigint := p_at_ms;
  v_lane record;
  v_last integer;
BEGIN
  SELECT l.rate_limit, l.rate_period_ms, l.start_ends, l.start_counts, l.rate_counts INTO v_lane
  FROM tenantry.lanes l WHERE l.name = p_lane FOR UPDATE;
  IF NOT FOUND OR v_lane.rate_limit IS NULL THEN RETURN 0; END IF;
  IF tenantry.rate_used(v_lane.start_ends, v_lane.start_counts, v_now_ms - v_lane.rate_period_ms) < v_lane.rate_limit THEN
    UPDATE tenantry.lanes l SET (start_ends, start_counts) = (
      SELECT r.ends, r.counts FROM tenantry.rate_record(l.start_ends, l.start_counts, l.rate_period_ms, v_now_ms, 1) r)
    WHERE l.name = p_lane;
    RETURN 0;
  END IF;
  -- The newest admission slice that counts one gives it back.
  SELECT max(u.o) INTO v_last FROM unnest(v_lane.rate_counts) WITH ORDINALITY AS u(c, o) WHERE u.c > 0;
  IF v_last IS NOT NULL THEN
    UPDATE tenantry.lanes l SET rate_counts[v_last] = l.rate_counts[v_last] - 1 WHERE l.name = p_lane;
  END IF;
  RETURN greatest(1, (SELECT min(e) FROM unnest(v_lane.start_ends) AS e WHERE e > v_now_ms - v_lane.rate_period_ms)
                     + v_lane.rate_period_ms - v_now_ms);
END
$$;
