-- A tenant's share of the workers is the tenant's, however many queues it spreads its jobs over.
--
-- Weight applied per lane (tenant x queue), and queue names are the tenant's to choose: a
-- tenant with jobs in four queues took four shares of the workers against a tenant with one
-- (0040 bounds the queues, at TENANT_MAX_BUSY_QUEUES, 16 by default, so up to sixteen shares).
--
-- Now each start costs a lane `busy / weight` of virtual time instead of `1 / weight`, where
-- `busy` is the number of its tenant's queues competing at that pass: due, runnable, and not
-- set aside for their rate. A tenant's lanes together advance as one lane of its weight would,
-- so when tenants compete each gets its weight's share of starts, split among its busy queues.
-- A pass counts for the lanes it picked (an index of the lanes that have a waiting job, by
-- tenant: at most the tenant's busy queues, however many idle lanes it has), without a lock,
-- and a lane's count stands 250 ms: it is a share, not a bound, so a queue that opens or drains
-- meanwhile shifts the costs of the passes until then, nothing else. The lane keeps its count
-- (`busy_queues`), and the slot time its attempts held beyond a start (0014, 0022) is charged
-- at that rate too, so a tenant's long jobs across queues get its share of slot time.
--
-- Caps stay per queue (DESIGN: a concurrency cap per lane): a tenant with several busy queues
-- may still hold up to that many caps of slots while nobody else wants them (work-conserving),
-- and up to TENANT_MAX_BUSY_QUEUES of them in all.
ALTER TABLE lanes ADD COLUMN busy_queues integer NOT NULL DEFAULT 1,
                  ADD COLUMN busy_counted_ms bigint;

-- Same predicate as lanes_ready_idx (due, runnable), so no update that was HOT stops being one.
CREATE INDEX lanes_busy_tenant_idx ON lanes (tenant_id, due) WHERE due IS NOT NULL AND runnable;

-- How long a lane's count stands before a pass that picks it counts again.
CREATE FUNCTION busy_count_ms() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 250 $$;

-- A queue competes now: it has a job due, is runnable (neither paused nor suspended) and is not
-- set aside for its rate. A queue at its cap competes: its backlog is the tenant's work, held
-- back by the queue's own bound. (SQL, so it is inlined: the partial index on due and runnable
-- still matches.)
CREATE FUNCTION lane_competes(p_due timestamptz, p_runnable boolean, p_blocked_until bigint, p_now_ms bigint)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT p_due IS NOT NULL AND p_runnable AND p_due <= now() AND (p_blocked_until IS NULL OR p_blocked_until <= p_now_ms)
$$;

-- A tenant's queues competing now (at least 1), counted for the lanes a pass picks and for
-- the slot-time charges a fold makes; with p_lane, that lane counts whether it competes or not
-- (a charge is made when its attempt ends, and it may have nothing waiting then). Read without
-- a lock: a share, not a bound, so a queue opening or draining meanwhile only shifts the costs
-- of the passes until the next count. An index of the competing lanes by tenant
-- (lanes_busy_tenant_idx) keeps the count to the tenant's busy queues, however many idle lanes
-- it has. PL/pgSQL, not SQL: its statement's plan is kept for the session (a SQL function
-- called from a PL/pgSQL one is planned again at each statement that calls it, ~0.3 ms).
CREATE FUNCTION tenant_busy_now(p_tenant text, p_now_ms bigint, p_lane text DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN greatest(1, (SELECT count(*) FROM tenantry.lanes t
                      WHERE t.tenant_id = p_tenant AND t.name IS DISTINCT FROM p_lane
                        AND tenantry.lane_competes(t.due, t.runnable, t.rate_blocked_until, p_now_ms))
                     + (p_lane IS NOT NULL)::integer)::integer;
END
$$;

-- admit_pass (0036) with the tenant's busy queues dividing each picked lane's weight.
CREATE OR REPLACE FUNCTION admit_pass(p_room integer, p_limited boolean, p_max integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_room integer := p_room;
  -- Admit only lanes a live limited worker (--tenant, --queue) takes.
  v_limited boolean := p_limited;
  v_lanes text[];
  v_counts integer[];
  v_more boolean[];
  v_total integer;
  v_names text[];
  v_vtimes double precision[];
  v_weights real[];
  -- Per picked lane: its tenant's queues competing now (the lane's weight is divided among them).
  v_busy integer[];
  v_counted bigint[];
  v_rooms integer[];
  v_tenants text[];
  v_queues text[];
  v_limits integer[];
  v_periods integer[];
  v_qlimits integer[];
  v_qperiods integer[];
  v_rated boolean;
  v_trooms integer[];
  v_blocked bigint[];
  v_untils bigint[];
  v_set_aside bigint[];
  v_shares integer[];
  v_stamps bigint[];
  -- Latest virtual finish time this pass may admit (NULL: no bound, the pass has the turn).
  v_limit double precision;
  -- One clock for the rate windows of this pass: the time of the pass, not of its transaction.
  v_now_ms bigint := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
BEGIN
  v_room := least(v_room, p_max);
  IF v_room <= 0 THEN RETURN 0; END IF;
  -- A full pass takes the turn when it is free and is then bound by nothing but the room; one
  -- that finds it taken, or a dispatch's pass, runs beside the pass holding it and admits only
  -- jobs within 10 (starts of weight 1) of the lowest vtime of the lanes that could take a job
  -- now: the lanes of the pick below, read without a lock, so those the other pass holds
  -- count. Nobody waits for the turn: a writer flight waiting there held the worker's next
  -- outcomes back.
  IF NOT (p_max IS NULL AND pg_try_advisory_xact_lock(hashtext('tenantry.admission'), 0)) THEN
    SELECT l.vtime + 10 INTO v_limit FROM tenantry.lanes l
    WHERE l.due IS NOT NULL AND l.runnable AND l.due <= now() AND l.inflight < l.cap
      AND (l.rate_blocked_until IS NULL OR l.rate_blocked_until <= v_now_ms)
      AND (NOT v_limited OR EXISTS (
        SELECT 1 FROM tenantry.workers w WHERE w.last_seen_at > now() - interval '1 minute'
          AND (w.tenants IS NOT NULL OR w.queues IS NOT NULL)
          AND (w.tenants IS NULL OR l.tenant_id = ANY(w.tenants))
          AND (w.queues IS NULL OR l.queue = ANY(w.queues))))
    ORDER BY l.vtime LIMIT 1;
  END IF;
  PERFORM tenantry.fold_releases();

  -- Lanes are locked in a statement of their own: the next statement's snapshot is taken
  -- after the locks, so it sees every admission committed before them (a snapshot taken
  -- earlier would show another pass's admitted jobs as still waiting, and admit them twice).
  -- Lanes set aside for their rate (rate_blocked_until) are passed by until their window frees.
  --
  -- With each lane, its tenant's busy queues (0041). A count stands busy_count_ms() on the lanes
  -- it was made for: counting every picked lane on every pass took ~0.5 ms of a ~6.6 ms pass at
  -- 100 busy tenants. A tenant is counted again, once for all its picked lanes, when any of its
  -- picked lanes has no standing count (never counted, too old, or stamped ahead of this
  -- clock); otherwise the largest standing count of its picked lanes holds, with the oldest
  -- stamp among them (a count carried from one lane to another is not kept alive past its
  -- time). Never fewer than the tenant's lanes in this pick: they all compete now, so counts of
  -- one taken while each lane was alone (its siblings' jobs delayed, say) cannot price them as
  -- lone queues once they are all due.
  SELECT array_agg(x.name ORDER BY x.vtime), array_agg(x.vtime ORDER BY x.vtime),
         array_agg(x.weight ORDER BY x.vtime), array_agg(least(x.cap_room, v_room) ORDER BY x.vtime),
         array_agg(x.tenant_id ORDER BY x.vtime),
         array_agg(greatest(x.lanes, CASE WHEN x.stale THEN x.counted ELSE x.prev END) ORDER BY x.vtime),
         array_agg(CASE WHEN x.stale THEN v_now_ms ELSE x.oldest END ORDER BY x.vtime),
         coalesce(bool_or(x.rated), false)
  INTO v_names, v_vtimes, v_weights, v_rooms, v_tenants, v_busy, v_counted, v_rated
  FROM (
    -- The count, made on one lane of each tenant that needs it, given to all its lanes.
    SELECT c.*, max(c.one) OVER (PARTITION BY c.tenant_id) AS counted
    FROM (
    SELECT w.*,
           -- A subquery in a CASE branch runs only where that branch is taken. tenant_busy_now()
           -- written out: a function call per lane cost ~10 us, the subquery a few.
           CASE WHEN w.stale AND w.rn = 1
                THEN (SELECT count(*) FROM tenantry.lanes t WHERE t.tenant_id = w.tenant_id
                        AND tenantry.lane_competes(t.due, t.runnable, t.rate_blocked_until, v_now_ms))::integer
           END AS one
    FROM (
      SELECT p.*, count(*) OVER t AS lanes, max(p.busy_queues) OVER t AS prev, min(p.busy_counted_ms) OVER t AS oldest,
             row_number() OVER t AS rn,
             bool_or(p.busy_counted_ms IS NULL
                     OR p.busy_counted_ms NOT BETWEEN v_now_ms - tenantry.busy_count_ms() AND v_now_ms) OVER t AS stale
      FROM (
    SELECT l.name, l.vtime, l.weight, l.tenant_id, l.cap - l.inflight AS cap_room, l.busy_queues, l.busy_counted_ms,
           l.rate_limit IS NOT NULL OR l.queue_rate_limit IS NOT NULL AS rated
    FROM tenantry.lanes l
    WHERE l.due IS NOT NULL AND l.runnable AND l.due <= now() AND l.inflight < l.cap
      AND (l.rate_blocked_until IS NULL OR l.rate_blocked_until <= v_now_ms)
      AND (NOT v_limited OR EXISTS (
        SELECT 1 FROM tenantry.workers w WHERE w.last_seen_at > now() - interval '1 minute'
          AND (w.tenants IS NOT NULL OR w.queues IS NOT NULL)
          AND (w.tenants IS NULL OR l.tenant_id = ANY(w.tenants))
          AND (w.queues IS NULL OR l.queue = ANY(w.queues))))
    ORDER BY l.vtime
    LIMIT v_room
    FOR UPDATE OF l SKIP LOCKED
      ) p
      WINDOW t AS (PARTITION BY p.tenant_id)
    ) w
    ) c
  ) x;
  IF v_names IS NULL THEN RETURN 0; END IF;

  IF v_rated THEN
    -- The picked lanes' limits, read again only when one of them has a limit (most passes of
    -- a deployment without rate limits carry none of this).
    SELECT array_agg(l.queue ORDER BY a.o), array_agg(l.rate_limit ORDER BY a.o),
           array_agg(l.rate_period_ms ORDER BY a.o), array_agg(l.queue_rate_limit ORDER BY a.o),
           array_agg(l.queue_rate_period_ms ORDER BY a.o)
    INTO v_queues, v_limits, v_periods, v_qlimits, v_qperiods
    FROM unnest(v_names) WITH ORDINALITY AS a(name, o) JOIN tenantry.lanes l ON l.name = a.name;
    -- The windows of the picked lanes' limits, locked without waiting: a window is charged by
    -- one pass (or start gate) at a time, so what it has left is exact here. A lane whose
    -- window another holds gets no room this pass (and stays due); one whose window is full
    -- gets none and is set aside until its oldest charge that still counts leaves it. troom
    -- carries a tenant's room to the per-tenant cut below; a queue's own room bounds its lane's.
    INSERT INTO tenantry.rate_windows (tenant_id, scope)
    SELECT DISTINCT s.tenant, s.scope
    FROM unnest(v_tenants, v_queues, v_limits, v_qlimits) AS p(tenant, queue, lim, qlim)
    CROSS JOIN LATERAL (VALUES (p.tenant, CASE WHEN p.lim IS NOT NULL THEN '' END),
                               (p.tenant, CASE WHEN p.qlim IS NOT NULL THEN p.queue END)) AS s(tenant, scope)
    WHERE s.scope IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM tenantry.rate_windows r WHERE r.tenant_id = s.tenant AND r.scope = s.scope)
    -- In one order: a pass inserting a row another pass has just inserted waits for it, and
    -- two passes inserting two new windows in opposite orders would wait for each other.
    ORDER BY s.tenant, s.scope
    ON CONFLICT DO NOTHING;
    WITH picked AS (
      SELECT * FROM unnest(v_tenants, v_queues, v_limits, v_periods, v_qlimits, v_qperiods, v_rooms)
        WITH ORDINALITY AS p(tenant, queue, lim, period, qlim, qperiod, cap_room, o)
    ), scopes AS (
      SELECT DISTINCT ON (s.tenant, s.scope) s.* FROM (
        SELECT p.tenant, ''::text AS scope, p.lim, p.period FROM picked p WHERE p.lim IS NOT NULL
        UNION ALL
        SELECT p.tenant, p.queue, p.qlim, p.qperiod FROM picked p WHERE p.qlim IS NOT NULL
      ) s
      ORDER BY s.tenant, s.scope
    ), locked AS (
      SELECT r.tenant_id, r.scope, r.ends, r.counts FROM tenantry.rate_windows r
      WHERE (r.tenant_id, r.scope) IN (SELECT s.tenant, s.scope FROM scopes s)
      FOR UPDATE SKIP LOCKED
    ), windows AS (
      SELECT s.tenant, s.scope, s.lim - tenantry.rate_used(k.ends, k.counts, v_now_ms - tenantry.rate_span_ms(s.period)) AS room,
             tenantry.rate_frees(k.ends, k.counts, tenantry.rate_span_ms(s.period), v_now_ms) AS frees
      FROM scopes s JOIN locked k ON k.tenant_id = s.tenant AND k.scope = s.scope
    )
    SELECT array_agg(least(p.cap_room, CASE WHEN p.lim IS NOT NULL THEN coalesce(t.room, 0) END,
                           CASE WHEN p.qlim IS NOT NULL THEN coalesce(q.room, 0) END) ORDER BY p.o),
           array_agg(CASE WHEN p.lim IS NOT NULL THEN coalesce(t.room, 0) END ORDER BY p.o),
           array_agg(greatest(CASE WHEN t.room <= 0 THEN t.frees END, CASE WHEN q.room <= 0 THEN q.frees END)
                     ORDER BY p.o),
           -- Until when the lane's admissions of this pass stand for their starts: the end of
           -- the slice charged, and the grace, in each of its windows.
           array_agg(least(CASE WHEN p.lim IS NOT NULL
                                THEN tenantry.rate_slice_end(p.period, v_now_ms) + tenantry.rate_grace_ms(p.period) END,
                           CASE WHEN p.qlim IS NOT NULL
                                THEN tenantry.rate_slice_end(p.qperiod, v_now_ms) + tenantry.rate_grace_ms(p.qperiod) END)
                     ORDER BY p.o)
    INTO v_rooms, v_trooms, v_blocked, v_untils
    FROM picked p
    LEFT JOIN windows t ON p.lim IS NOT NULL AND t.tenant = p.tenant AND t.scope = ''
    LEFT JOIN windows q ON p.qlim IS NOT NULL AND q.tenant = p.tenant AND q.scope = p.queue;
  END IF;

  WITH picked AS MATERIALIZED (
    -- A lane's weight here is its share of its tenant's: divided among the tenant's busy queues.
    -- slack: what a side pass's bound forgives the lane, so that each of a tenant's busy queues
    -- is bound as a lone queue of the tenant would be (its first job within 10 of the floor).
    SELECT p.name, p.vtime, p.weight / p.busy AS weight, p.room, p.tenant, p.troom, p.blocked, p.until, p.busy,
           p.stamp, (p.busy - 1) / p.weight AS slack
    FROM unnest(v_names, v_vtimes, v_weights, v_rooms, v_tenants, v_trooms, v_blocked, v_untils, v_busy, v_counted)
      AS p(name, vtime, weight, room, tenant, troom, blocked, until, busy, stamp)
  ), ranked AS MATERIALIZED (
    -- One job more than the lane's room: when it exists, the lane still has a due job after
    -- this pass, so its due time (<= now) stands and need not be looked up again.
    SELECT p.name, p.room, j.log_id, j.attempts,
           row_number() OVER (PARTITION BY p.name ORDER BY j.priority, j.log_id) AS k,
           p.vtime, p.weight, p.tenant, p.troom, p.until, p.slack
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
    SELECT r.name, r.log_id, r.attempts, r.vtime + r.k / r.weight AS finish, r.until, r.slack
    FROM ranked r WHERE r.k <= r.room AND r.troom IS NULL
    UNION ALL
    -- Lanes of one rate-limited tenant share its room: its jobs with the smallest finish
    -- times, up to what the tenant has left, whichever of its lanes they are in.
    SELECT t.name, t.log_id, t.attempts, t.finish, t.until, t.slack FROM (
      SELECT r.name, r.log_id, r.attempts, r.vtime + r.k / r.weight AS finish, r.troom, r.until, r.slack,
             row_number() OVER (PARTITION BY r.tenant ORDER BY r.vtime + r.k / r.weight, r.log_id) AS tk
      FROM ranked r WHERE r.k <= r.room AND r.troom IS NOT NULL
    ) t
    WHERE t.tk <= t.troom
  ), chosen AS MATERIALIZED (
    SELECT c.* FROM candidates c WHERE v_limit IS NULL OR c.finish - c.slack <= v_limit ORDER BY c.finish, c.log_id LIMIT v_room
  ), logs AS MATERIALIZED (
    -- No lock on the log rows: a cancel locks the log, then waits for the lane this pass holds,
    -- and finds the job admitted (withdraw_job), so admission and cancel never race.
    -- One index lookup per chosen job (LATERAL): a join with `id = ANY(chosen ids)` as well
    -- was planned as a nested loop that searched the whole array for every chosen job.
    SELECT c.name, c.finish, c.attempts, c.until, l.id, l.task, l.tenant_id, l.queue, l.payload, l.max_attempts
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
        -- A rate-limited job carries when it was charged to its windows and until when its start
        -- falls in that charge's slice (src/jobs/rate-gate.ts).
        CASE WHEN o.until IS NULL THEN
          json_build_object('log', o.id, 'tenant', o.tenant_id, 'queue', o.queue, 'attempt', o.attempts,
                            'laned', true, 'rated', false, 'payload', o.payload)
        ELSE
          json_build_object('log', o.id, 'tenant', o.tenant_id, 'queue', o.queue, 'attempt', o.attempts,
                            'laned', true, 'rated', true, 'rated_at', v_now_ms, 'rated_until', o.until,
                            'payload', o.payload)
        END,
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
    SELECT p.name, coalesce(m.n, 0) AS n, p.room <= 0 OR coalesce(r.n, 0) > coalesce(m.n, 0) AS more, p.blocked,
           p.busy, p.stamp
    FROM picked p LEFT JOIN per_lane m ON m.lane = p.name LEFT JOIN read r ON r.name = p.name
  )
  SELECT array_agg(name), array_agg(n), array_agg(more), array_agg(blocked), array_agg(busy), array_agg(stamp),
         coalesce(sum(n), 0)::integer
  INTO v_lanes, v_counts, v_more, v_set_aside, v_shares, v_stamps, v_total FROM counts;
  IF v_lanes IS NULL THEN RETURN 0; END IF;

  UPDATE tenantry.lanes l SET
    inflight = l.inflight + a.n,
    -- Each start costs the lane its tenant's busy queues over the weight: the tenant's starts
    -- together advance as one lane of its weight would.
    vtime = l.vtime + a.n * a.busy / l.weight,
    busy_queues = a.busy,
    busy_counted_ms = a.stamp,
    admitted_total = l.admitted_total + a.n,
    -- Set aside until its window frees when it was found full; free again otherwise.
    rate_blocked_until = a.blocked,
    due = CASE WHEN a.more THEN l.due
               ELSE (SELECT min(j.run_at) FROM tenantry.lane_jobs j
                     WHERE j.lane = l.name AND j.job_id IS NULL AND j.deferred) END
  FROM unnest(v_lanes, v_counts, v_more, v_set_aside, v_shares, v_stamps) AS a(name, n, more, blocked, busy, stamp)
  WHERE l.name = a.name;

  -- The admissions charged to their windows: a tenant's, all its picked lanes together, and
  -- each queue's own.
  IF v_rated AND v_total > 0 THEN
    UPDATE tenantry.rate_windows r SET (ends, counts) = (
      SELECT x.ends, x.counts FROM tenantry.rate_record(r.ends, r.counts, c.period, v_now_ms, c.n) x)
    FROM (
      SELECT p.tenant, ''::text AS scope, min(p.period) AS period, sum(a.n)::integer AS n
      FROM unnest(v_names, v_tenants, v_limits, v_periods) AS p(name, tenant, lim, period)
      JOIN unnest(v_lanes, v_counts) AS a(name, n) ON a.name = p.name
      WHERE p.lim IS NOT NULL GROUP BY p.tenant
      UNION ALL
      SELECT p.tenant, p.queue, p.qperiod, a.n
      FROM unnest(v_names, v_tenants, v_queues, v_qlimits, v_qperiods) AS p(name, tenant, queue, qlim, qperiod)
      JOIN unnest(v_lanes, v_counts) AS a(name, n) ON a.name = p.name
      WHERE p.qlim IS NOT NULL
    ) c
    WHERE r.tenant_id = c.tenant AND r.scope = c.scope AND c.n > 0;
  END IF;
  RETURN v_total;
END
$$;

-- fold_releases (0019) charging slot time at the lane's share, as its starts are, counted when
-- the charge is made, the charged lane among the tenant's busy queues. Only releases carrying
-- slot time (attempts longer than a quantum, failures) are counted: a short job's release
-- carries none. The count the lane kept from its last admission can be from long before (a
-- lane at its cap is not picked), so it is not used here.
CREATE OR REPLACE FUNCTION fold_releases() RETURNS void LANGUAGE plpgsql
SET plan_cache_mode = force_custom_plan AS $$
DECLARE
  v_lanes text[];
  v_free text[];
  v_now_ms bigint := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
BEGIN
  SELECT array_agg(DISTINCT lane) INTO v_lanes FROM tenantry.lane_releases;
  IF v_lanes IS NULL THEN RETURN; END IF;
  -- Lanes an admission pass holds are skipped: that pass or a later one folds them.
  SELECT array_agg(f.name) INTO v_free FROM (
    SELECT l.name FROM tenantry.lanes l WHERE l.name = ANY(v_lanes) ORDER BY l.name FOR UPDATE SKIP LOCKED) f;
  IF v_free IS NULL THEN RETURN; END IF;
  -- This statement's snapshot comes after the locks: releases recorded since stay for the next fold.
  WITH folded AS (
    DELETE FROM tenantry.lane_releases r WHERE r.lane = ANY(v_free) RETURNING r.lane, r.n, r.charge, r.due
  )
  UPDATE tenantry.lanes l SET inflight = l.inflight - f.n,
         vtime = l.vtime + CASE WHEN f.charge > 0
                                THEN f.charge * tenantry.tenant_busy_now(l.tenant_id, v_now_ms, l.name) / l.weight
                                ELSE 0 END,
         due = least(l.due, f.due)
  FROM (SELECT lane, sum(n)::integer AS n, sum(charge) AS charge, min(due) AS due FROM folded GROUP BY lane) f
  WHERE l.name = f.lane;
END
$$;
