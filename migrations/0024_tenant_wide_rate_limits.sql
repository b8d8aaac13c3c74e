-- A tenant's rate limit counts the admissions and starts of all its queues together.
--
-- Rate limits were kept per lane (0011): every lane of a tenant got the tenant's limit, so a
-- tenant with three busy queues could start three times its plan's rate. The limit is the
-- tenant's: each lane still records its own admissions and starts in slices (rate_ends,
-- rate_counts; start_ends, start_counts), and every check now sums the slices of all the
-- tenant's rate-limited lanes (tenant_rate_used, over lanes_tenant_idx). The lanes of one
-- tenant carry the same limit and period (the scheduling view is per tenant).
--
-- - Admission: a rate-limited lane is picked while its tenant has room, and the lanes of one
--   tenant picked in a pass share that room (their jobs with the smallest finish times win).
--   Two passes picking different lanes of one tenant at once can still admit past its room
--   (neither sees the other's admissions); the start gate is exact and holds the excess back.
-- - Start gate (rate_start): starts of one tenant are counted one at a time under an
--   advisory lock of their own (two-key space, first key 7345003; the cache's locks use
--   7345002), taken before the lane's row lock, the order of every other path that holds both
--   (none takes the advisory lock while holding a lane).
-- - Refill (rate_refill_in): when a blocked tenant's oldest slice that still counts leaves
--   the window. It took the oldest slice kept, which may already be out of the window (slices
--   are kept two periods), so it could answer 0 while the window was still full and the
--   admission tick ran a pass a millisecond later, again and again, until the window freed.

-- Admissions (p_starts false) or starts (true) of the tenant's rate-limited lanes in the
-- window of one period ending at p_now_ms.
CREATE FUNCTION tenant_rate_used(p_tenant text, p_now_ms bigint, p_starts boolean) RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(CASE
           WHEN p_starts THEN tenantry.rate_used(l.start_ends, l.start_counts, p_now_ms - l.rate_period_ms)
           ELSE tenantry.rate_used(l.rate_ends, l.rate_counts, p_now_ms - l.rate_period_ms) END), 0)::integer
  FROM tenantry.lanes l
  WHERE l.tenant_id = p_tenant AND l.rate_limit IS NOT NULL
$$;

-- admit (0021): rate-limited lanes' room from their tenant's admissions, shared by the
-- tenant's lanes picked in the pass.
CREATE OR REPLACE FUNCTION admit(p_min_budget integer DEFAULT 0, p_max integer DEFAULT NULL) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_room integer;
  v_lanes text[];
  v_counts integer[];
  v_more boolean[];
  v_total integer;
  v_names text[];
  v_vtimes double precision[];
  v_weights real[];
  v_rooms integer[];
  v_rated text[];
  v_tenants text[];
  v_trooms integer[];
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
  v_room := least(v_room, p_max);
  IF v_room <= 0 THEN RETURN 0; END IF;
  PERFORM tenantry.fold_releases();

  -- Lanes are locked in a statement of their own: the next statement's snapshot is taken
  -- after the locks, so it sees every admission committed before them (a snapshot taken
  -- earlier would show another pass's admitted jobs as still waiting, and admit them twice).
  -- A rate-limited lane's room is what its tenant has left of the limit, all its lanes'
  -- admissions counted (tenant_rate_used); troom carries that to the per-tenant cut below.
  SELECT array_agg(p.name ORDER BY p.vtime), array_agg(p.vtime ORDER BY p.vtime),
         array_agg(p.weight ORDER BY p.vtime), array_agg(least(p.cap_room, p.troom, v_room) ORDER BY p.vtime),
         coalesce(array_agg(p.name) FILTER (WHERE p.troom IS NOT NULL), '{}'),
         array_agg(p.tenant_id ORDER BY p.vtime), array_agg(p.troom ORDER BY p.vtime)
  INTO v_names, v_vtimes, v_weights, v_rooms, v_rated, v_tenants, v_trooms
  FROM (
    SELECT l.name, l.vtime, l.weight, l.tenant_id, l.cap - l.inflight AS cap_room,
           CASE WHEN l.rate_limit IS NOT NULL
                THEN l.rate_limit - tenantry.tenant_rate_used(l.tenant_id, v_now_ms, false) END AS troom
    FROM tenantry.lanes l
    WHERE l.due IS NOT NULL AND l.runnable AND l.due <= now() AND l.inflight < l.cap
      AND (l.rate_limit IS NULL OR tenantry.tenant_rate_used(l.tenant_id, v_now_ms, false) < l.rate_limit)
    ORDER BY l.vtime
    LIMIT v_room
    FOR UPDATE OF l SKIP LOCKED
  ) p;
  IF v_names IS NULL THEN RETURN 0; END IF;

  WITH picked AS MATERIALIZED (
    SELECT * FROM unnest(v_names, v_vtimes, v_weights, v_rooms, v_tenants, v_trooms)
      AS p(name, vtime, weight, room, tenant, troom)
  ), ranked AS MATERIALIZED (
    -- One job more than the lane's room: when it exists, the lane still has a due job after
    -- this pass, so its due time (<= now) stands and need not be looked up again.
    SELECT p.name, p.room, j.log_id, j.attempts,
           row_number() OVER (PARTITION BY p.name ORDER BY j.priority, j.log_id) AS k,
           p.vtime, p.weight, p.tenant, p.troom
    FROM picked p
    CROSS JOIN LATERAL (
      -- Walks lane_jobs_next_idx in order and stops after room + 1 jobs.
      -- clock_timestamp(), not now(): a row put in the lane without a delay has run_at = its
      -- writer's now(), which can be later than this transaction's start, and it must count as
      -- due here (the lane's due time below relies on it).
      SELECT lj.log_id, lj.priority, lj.attempts FROM tenantry.lane_jobs lj
      WHERE lj.lane = p.name AND lj.job_id IS NULL AND lj.run_at <= clock_timestamp()
      ORDER BY lj.priority, lj.log_id
      LIMIT p.room + 1
    ) j
    WHERE p.room > 0
  ), candidates AS (
    SELECT r.name, r.log_id, r.attempts, r.vtime + r.k / r.weight AS finish
    FROM ranked r WHERE r.k <= r.room AND r.troom IS NULL
    UNION ALL
    -- Lanes of one rate-limited tenant share its room: its jobs with the smallest finish
    -- times, up to what the tenant has left, whichever of its lanes they are in.
    SELECT t.name, t.log_id, t.attempts, t.finish FROM (
      SELECT r.name, r.log_id, r.attempts, r.vtime + r.k / r.weight AS finish, r.troom,
             row_number() OVER (PARTITION BY r.tenant ORDER BY r.vtime + r.k / r.weight, r.log_id) AS tk
      FROM ranked r WHERE r.k <= r.room AND r.troom IS NOT NULL
    ) t
    WHERE t.tk <= t.troom
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
  ), read AS (
    SELECT name, count(*)::integer AS n FROM ranked GROUP BY name
  ), counts AS (
    -- `more`: the lane still has a due job after this pass, one read here and not admitted
    -- (past its room, or not among the pass's smallest finish times), so its due time (<= now)
    -- stands. Otherwise every due job it had was admitted, and what still waits is deferred.
    SELECT p.name, coalesce(m.n, 0) AS n, p.room <= 0 OR coalesce(r.n, 0) > coalesce(m.n, 0) AS more
    FROM picked p LEFT JOIN per_lane m ON m.lane = p.name LEFT JOIN read r ON r.name = p.name
  )
  SELECT array_agg(name), array_agg(n), array_agg(more), coalesce(sum(n), 0)::integer
  INTO v_lanes, v_counts, v_more, v_total FROM counts;
  IF v_lanes IS NULL THEN RETURN 0; END IF;

  UPDATE tenantry.lanes l SET
    inflight = l.inflight + a.n,
    vtime = l.vtime + a.n / l.weight,
    admitted_total = l.admitted_total + a.n,
    rate_ends = CASE WHEN l.rate_limit IS NULL OR a.n = 0 THEN l.rate_ends
                     ELSE (tenantry.rate_record(l.rate_ends, l.rate_counts, l.rate_period_ms, v_now_ms, a.n)).ends END,
    rate_counts = CASE WHEN l.rate_limit IS NULL OR a.n = 0 THEN l.rate_counts
                       ELSE (tenantry.rate_record(l.rate_ends, l.rate_counts, l.rate_period_ms, v_now_ms, a.n)).counts END,
    due = CASE WHEN a.more THEN l.due
               ELSE (SELECT min(j.run_at) FROM tenantry.lane_jobs j
                     WHERE j.lane = l.name AND j.job_id IS NULL AND j.deferred) END
  FROM unnest(v_lanes, v_counts, v_more) AS a(name, n, more)
  WHERE l.name = a.name;
  RETURN v_total;
END
$$;

-- The start of a job of a rate-limited lane at p_at_ms (the time its job log records as its
-- start): 0 when its tenant's starts leave room (the start is recorded in the lane), else the
-- milliseconds until the tenant's oldest start that counts leaves the window (nothing
-- recorded; the lane gives back one admission, so the job can be admitted again). As in 0011,
-- every slice that may hold a start within the period ending at p_at_ms counts, so starts
-- recorded out of order never exceed the limit in any period.
CREATE OR REPLACE FUNCTION rate_start(p_lane text, p_at_ms bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_tenant text;
  v_lane record;
  v_last integer;
BEGIN
  SELECT l.tenant_id INTO v_tenant FROM tenantry.lanes l WHERE l.name = p_lane AND l.rate_limit IS NOT NULL;
  IF NOT FOUND THEN RETURN 0; END IF;
  PERFORM pg_advisory_xact_lock(7345003, hashtext(v_tenant));
  -- Read again under the locks: the limit may have been lifted meanwhile.
  SELECT l.rate_limit, l.rate_period_ms, l.rate_counts INTO v_lane
  FROM tenantry.lanes l WHERE l.name = p_lane FOR UPDATE;
  IF NOT FOUND OR v_lane.rate_limit IS NULL THEN RETURN 0; END IF;
  IF tenantry.tenant_rate_used(v_tenant, p_at_ms, true) < v_lane.rate_limit THEN
    UPDATE tenantry.lanes l SET (start_ends, start_counts) = (
      SELECT r.ends, r.counts FROM tenantry.rate_record(l.start_ends, l.start_counts, l.rate_period_ms, p_at_ms, 1) r)
    WHERE l.name = p_lane;
    RETURN 0;
  END IF;
  -- The newest admission slice that counts one gives it back.
  SELECT max(u.o) INTO v_last FROM unnest(v_lane.rate_counts) WITH ORDINALITY AS u(c, o) WHERE u.c > 0;
  IF v_last IS NOT NULL THEN
    UPDATE tenantry.lanes l SET rate_counts[v_last] = l.rate_counts[v_last] - 1 WHERE l.name = p_lane;
  END IF;
  RETURN greatest(1, (
    SELECT min(u.e + l.rate_period_ms) - p_at_ms
    FROM tenantry.lanes l CROSS JOIN LATERAL unnest(l.start_ends, l.start_counts) AS u(e, c)
    WHERE l.tenant_id = v_tenant AND l.rate_limit IS NOT NULL AND u.c > 0 AND u.e > p_at_ms - l.rate_period_ms));
END
$$;

-- Milliseconds until the first tenant whose rate-limited lanes would admit a due job but for
-- its rate gets room back (its oldest admission slice that counts leaves the window), or NULL.
CREATE OR REPLACE FUNCTION rate_refill_in() RETURNS bigint LANGUAGE sql STABLE AS $$
  WITH clock AS (
    SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms
  ), blocked AS (
    SELECT l.tenant_id, c.ms FROM tenantry.lanes l CROSS JOIN clock c
    WHERE l.rate_limit IS NOT NULL AND l.runnable AND l.due <= now() AND l.inflight < l.cap
    GROUP BY l.tenant_id, c.ms
    HAVING tenantry.tenant_rate_used(l.tenant_id, c.ms, false) >= min(l.rate_limit)
  ), frees AS (
    SELECT min(u.e + l.rate_period_ms - b.ms) AS ms
    FROM blocked b JOIN tenantry.lanes l ON l.tenant_id = b.tenant_id AND l.rate_limit IS NOT NULL
    CROSS JOIN LATERAL unnest(l.rate_ends, l.rate_counts) AS u(e, c)
    WHERE u.c > 0 AND u.e > b.ms - l.rate_period_ms
  )
  -- greatest() ignores NULL: no blocked tenant must stay NULL, not become 0.
  SELECT CASE WHEN f.ms IS NOT NULL THEN greatest(0, f.ms) END FROM frees f
$$;
