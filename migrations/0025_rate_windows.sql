-- Rate windows: one row of charges per tenant (and per queue with its own limit), and most
-- starts of rate-limited jobs without a gate.
--
-- Measured before this (scratch runs of 30,000 no-op jobs, 1,000 tenants, one worker): with
-- every tenant rate-limited, at a limit far above what they ran, Tenantry drained ~1,000-1,300
-- jobs/s against ~7,000-8,500 without limits, in the same sitting. Three costs:
-- - the start gate: every start of a rate-limited job was a round trip, taken with its worker
--   slot held, and ~0.7 ms of server time (the slices' SQL functions, which cannot be inlined,
--   were planned again on every call); the workers' slots spent most of their time waiting on it;
-- - admission summed a tenant's window (all its lanes' admission slices) for every lane its pick
--   scanned, to skip the full ones: every lane of the ready set, each pass (~68 ms a pass);
-- - rate_refill_in() summed every waiting tenant's window on each worker's tick (~500 ms).
--
-- The model now. A window (rate_windows, formerly rate_starts: a tenant's, scope '', and a
-- queue's with a limit of its own, scope = the queue) holds charges in slices of 1/16 of its
-- period, kept two periods. Admission charges each job it admits to its windows, in the slice
-- of the pass. A job that starts by the end of that slice plus a grace (rate_grace_ms(): a
-- slice, at most 100 ms; `rated_until` in its payload, the earliest such time of its windows)
-- has its start stood for by that charge: no gate. A job that starts later passes the start
-- gate, which takes its admission's charge off and charges its start in the slice it falls in,
-- or, when the window has no room, leaves the charge off (given back) and holds the start back
-- (the job returns to its lane). Every check, admission's and the gate's, counts the charges of
-- the period ending then and of the grace before it (rate_span_ms()), slices that may hold
-- later starts included. So every start has a charge in a slice ending less than the grace
-- before it, and for any period, the last charge made for one of its starts was made when the
-- window counted all the others and had room: no window holds more starts than its limit in
-- any period. The grace costs a tenant busy at its limit up to the grace's share of a period
-- (~6% at 1 s, ~0.2% at 1 min); charges of jobs that never start (cancelled, taken back) cost
-- room until they age out.

-- That needs each window to be charged by one transaction at a time: an admission pass locks
-- the windows of the lanes it picked without waiting (SKIP LOCKED; a lane whose window another
-- pass or a gate holds gets no room this pass and stays due), the gate locks them with waiting
-- (it holds a start, and a pass holds a window for its few ms). Passes that picked different
-- lanes of one tenant no longer both admit up to its room. One window row per tenant replaces
-- the sum over the tenant's lanes (lanes.rate_ends and friends go).
--
-- A lane whose window is full is set aside until its oldest charge that still counts leaves it
-- (lanes.rate_blocked_until, ms as the slices count): the pick passes it by until then, the
-- pass that picks it next sets it afresh, a limit changed through sync_lanes clears it, and
-- rate_refill_in() is the earliest of these times over lanes that would otherwise run.
--
-- Clocks: admissions are charged at the database's clock, starts at the worker's (the time the
-- job log records), so the limit holds exactly up to the skew between the two.

ALTER TABLE rate_starts RENAME TO rate_windows;
ALTER TABLE rate_windows RENAME CONSTRAINT rate_starts_pkey TO rate_windows_pkey;
ALTER TABLE rate_windows RENAME CONSTRAINT rate_starts_tenant_id_fkey TO rate_windows_tenant_id_fkey;

-- The admissions the lanes recorded join the starts already in the windows (counted twice
-- where a job was both admitted and started: the windows are over-full for at most a period
-- after the upgrade, never under).
WITH slices AS (
  SELECT r.tenant_id, r.scope, u.e, u.c FROM rate_windows r CROSS JOIN LATERAL unnest(r.ends, r.counts) AS u(e, c)
  UNION ALL
  SELECT l.tenant_id, '', u.e, u.c FROM lanes l CROSS JOIN LATERAL unnest(l.rate_ends, l.rate_counts) AS u(e, c)
  WHERE l.rate_limit IS NOT NULL
  UNION ALL
  SELECT l.tenant_id, l.queue, u.e, u.c FROM lanes l CROSS JOIN LATERAL unnest(l.queue_rate_ends, l.queue_rate_counts) AS u(e, c)
  WHERE l.queue_rate_limit IS NOT NULL
), merged AS (
  SELECT tenant_id, scope, e, sum(c)::integer AS c FROM slices GROUP BY tenant_id, scope, e
)
INSERT INTO rate_windows (tenant_id, scope, ends, counts)
SELECT tenant_id, scope, array_agg(e ORDER BY e), array_agg(c ORDER BY e) FROM merged GROUP BY tenant_id, scope
ON CONFLICT (tenant_id, scope) DO UPDATE SET ends = excluded.ends, counts = excluded.counts;

ALTER TABLE lanes
  DROP COLUMN rate_ends,
  DROP COLUMN rate_counts,
  DROP COLUMN queue_rate_ends,
  DROP COLUMN queue_rate_counts,
  ADD COLUMN rate_blocked_until bigint;

CREATE INDEX lanes_rate_blocked_idx ON lanes (rate_blocked_until) WHERE rate_blocked_until IS NOT NULL;

-- The end (ms since the epoch) of the slice of a window of p_period_ms that holds p_at_ms.
CREATE FUNCTION rate_slice_end(p_period_ms integer, p_at_ms bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (p_at_ms / greatest(1, p_period_ms / 16) + 1) * greatest(1, p_period_ms / 16)
$$;

-- How long after the end of its admission's slice a job's start is still counted by its
-- admission's charge: a slice, at most 100 ms. Admitted jobs wait for a free slot (up to a few
-- rounds of the workers' slots, tens of ms under load), and without it a job admitted late in a
-- slice would need the gate for a start a millisecond later.
CREATE FUNCTION rate_grace_ms(p_period_ms integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT least(greatest(1, p_period_ms / 16), 100)
$$;

-- How far back a check counts a window's charges: its period and the grace. A charge stands
-- for a start up to the grace after its slice, so a check made at t counts every charge that
-- may stand for a start within the period ending at t. The price: a tenant busy at its limit
-- starts up to the grace fewer a period (100 ms of a 1 s period: ~6%, of 1 min: ~0.2%).
CREATE FUNCTION rate_span_ms(p_period_ms integer) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT p_period_ms + tenantry.rate_grace_ms(p_period_ms)
$$;

-- The slices' arithmetic in PL/pgSQL (0011 wrote it in SQL). A SQL function that cannot be
-- inlined (these read unnest() in a FROM, rate_record through a WITH) has its statement planned
-- again each time the statement calling it runs: for the start gate, on every start. PL/pgSQL
-- evaluates these loops as plain expressions. Same results: slices kept in order, new ones last.
CREATE OR REPLACE FUNCTION rate_used(p_ends bigint[], p_counts integer[], p_from_ms bigint) RETURNS integer
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  v_used integer := 0;
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_ends, 1), 0) LOOP
    IF p_ends[i] > p_from_ms THEN v_used := v_used + p_counts[i]; END IF;
  END LOOP;
  RETURN v_used;
END
$$;

CREATE OR REPLACE FUNCTION rate_record(p_ends bigint[], p_counts integer[], p_period_ms integer, p_now_ms bigint, p_n integer,
                                       OUT ends bigint[], OUT counts integer[])
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  -- Slices older than two periods are dropped.
  v_end bigint := tenantry.rate_slice_end(p_period_ms, p_now_ms);
  v_found boolean := false;
BEGIN
  ends := '{}';
  counts := '{}';
  FOR i IN 1 .. coalesce(array_length(p_ends, 1), 0) LOOP
    CONTINUE WHEN p_ends[i] <= p_now_ms - 2 * p_period_ms;
    ends := ends || p_ends[i];
    IF p_ends[i] = v_end THEN
      counts := counts || (p_counts[i] + p_n);
      v_found := true;
    ELSE
      counts := counts || p_counts[i];
    END IF;
  END LOOP;
  IF NOT v_found THEN
    ends := ends || v_end;
    counts := counts || p_n;
  END IF;
END
$$;

-- When a window counted back p_span_ms (rate_span_ms) frees room again, seen at p_at_ms: its
-- oldest slice with a charge that still counts leaves it. NULL when nothing counts.
CREATE FUNCTION rate_frees(p_ends bigint[], p_counts integer[], p_span_ms integer, p_at_ms bigint) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  v_first bigint;
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_ends, 1), 0) LOOP
    IF p_counts[i] > 0 AND p_ends[i] > p_at_ms - p_span_ms AND (v_first IS NULL OR p_ends[i] < v_first) THEN
      v_first := p_ends[i];
    END IF;
  END LOOP;
  RETURN v_first + p_span_ms;
END
$$;

-- The counts with one charge made at p_charged_ms taken off its slice (when still kept).
CREATE FUNCTION rate_give_back(p_ends bigint[], p_counts integer[], p_period_ms integer, p_charged_ms bigint)
RETURNS integer[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  v_at integer := array_position(p_ends, tenantry.rate_slice_end(p_period_ms, p_charged_ms));
  v_counts integer[] := p_counts;
BEGIN
  IF v_at IS NOT NULL AND v_counts[v_at] > 0 THEN
    v_counts[v_at] := v_counts[v_at] - 1;
  END IF;
  RETURN v_counts;
END
$$;

-- A window's row, locked (made on its first use).
CREATE FUNCTION rate_window_locked(p_tenant text, p_scope text) RETURNS rate_windows LANGUAGE plpgsql AS $$
DECLARE
  v_window tenantry.rate_windows;
BEGIN
  SELECT * INTO v_window FROM tenantry.rate_windows WHERE tenant_id = p_tenant AND scope = p_scope FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO tenantry.rate_windows (tenant_id, scope) VALUES (p_tenant, p_scope) ON CONFLICT DO NOTHING;
    SELECT * INTO v_window FROM tenantry.rate_windows WHERE tenant_id = p_tenant AND scope = p_scope FOR UPDATE;
  END IF;
  RETURN v_window;
END
$$;

-- The start gate for a job of p_lane starting at p_at_ms (the time its job log records) later
-- than the slice its admission at p_admitted_ms was charged to (NULL: a job admitted before this
-- migration, whose charge is not taken off). In each of the lane's windows, the tenant's before
-- the queue's (one lock order for every gate), the admission's charge comes off; then 0 when
-- every window has room for the start across the period ending at p_at_ms (slices that may
-- hold later starts included, so starts recorded out of order never exceed a limit), which
-- charges it where it falls; else the milliseconds until the later of the full windows frees,
-- with the admission's charge left off (given back: the job returns to its lane).
CREATE FUNCTION rate_start(p_lane text, p_at_ms bigint, p_admitted_ms bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_lane record;
  v_tenant tenantry.rate_windows;
  v_queue tenantry.rate_windows;
  v_wait bigint := 0;
BEGIN
  SELECT l.tenant_id, l.queue, l.rate_limit, l.rate_period_ms, l.queue_rate_limit, l.queue_rate_period_ms
  INTO v_lane FROM tenantry.lanes l WHERE l.name = p_lane;
  IF NOT FOUND OR (v_lane.rate_limit IS NULL AND v_lane.queue_rate_limit IS NULL) THEN RETURN 0; END IF;
  IF v_lane.rate_limit IS NOT NULL THEN
    v_tenant := tenantry.rate_window_locked(v_lane.tenant_id, '');
    v_tenant.counts := tenantry.rate_give_back(v_tenant.ends, v_tenant.counts, v_lane.rate_period_ms, p_admitted_ms);
    IF tenantry.rate_used(v_tenant.ends, v_tenant.counts, p_at_ms - tenantry.rate_span_ms(v_lane.rate_period_ms))
       >= v_lane.rate_limit THEN
      v_wait := greatest(1, tenantry.rate_frees(v_tenant.ends, v_tenant.counts, tenantry.rate_span_ms(v_lane.rate_period_ms),
                                                p_at_ms) - p_at_ms);
    END IF;
  END IF;
  IF v_lane.queue_rate_limit IS NOT NULL THEN
    v_queue := tenantry.rate_window_locked(v_lane.tenant_id, v_lane.queue);
    v_queue.counts := tenantry.rate_give_back(v_queue.ends, v_queue.counts, v_lane.queue_rate_period_ms, p_admitted_ms);
    IF tenantry.rate_used(v_queue.ends, v_queue.counts, p_at_ms - tenantry.rate_span_ms(v_lane.queue_rate_period_ms))
       >= v_lane.queue_rate_limit THEN
      v_wait := greatest(v_wait, 1, tenantry.rate_frees(v_queue.ends, v_queue.counts,
                                                        tenantry.rate_span_ms(v_lane.queue_rate_period_ms), p_at_ms) - p_at_ms);
    END IF;
  END IF;
  IF v_wait = 0 THEN
    IF v_tenant.tenant_id IS NOT NULL THEN
      SELECT x.ends, x.counts INTO v_tenant.ends, v_tenant.counts
      FROM tenantry.rate_record(v_tenant.ends, v_tenant.counts, v_lane.rate_period_ms, p_at_ms, 1) x;
    END IF;
    IF v_queue.tenant_id IS NOT NULL THEN
      SELECT x.ends, x.counts INTO v_queue.ends, v_queue.counts
      FROM tenantry.rate_record(v_queue.ends, v_queue.counts, v_lane.queue_rate_period_ms, p_at_ms, 1) x;
    END IF;
  ELSIF p_admitted_ms IS NULL THEN
    RETURN v_wait;
  END IF;
  IF v_tenant.tenant_id IS NOT NULL THEN
    UPDATE tenantry.rate_windows SET ends = v_tenant.ends, counts = v_tenant.counts
    WHERE tenant_id = v_tenant.tenant_id AND scope = '';
  END IF;
  IF v_queue.tenant_id IS NOT NULL THEN
    UPDATE tenantry.rate_windows SET ends = v_queue.ends, counts = v_queue.counts
    WHERE tenant_id = v_queue.tenant_id AND scope = v_queue.scope;
  END IF;
  RETURN v_wait;
END
$$;

-- The gate of a worker that has not been restarted since this migration (a job whose
-- admission charge is unknown).
CREATE OR REPLACE FUNCTION rate_start(p_lane text, p_at_ms bigint) RETURNS bigint LANGUAGE sql AS $$
  SELECT tenantry.rate_start(p_lane, p_at_ms, NULL)
$$;

-- The start gate for several starts at once (a worker's late starts gathered while its
-- previous call was in flight: one statement and one commit for all of them). Taken in
-- (tenant, queue) order, so every gate locks a tenant's windows in one order whatever order the
-- starts came in; returns each start's wait in the order given.
CREATE FUNCTION rate_start_batch(p_lanes text[], p_at_ms bigint[], p_admitted_ms bigint[]) RETURNS bigint[]
LANGUAGE plpgsql AS $$
DECLARE
  v_waits bigint[] := array_fill(0::bigint, ARRAY[coalesce(array_length(p_lanes, 1), 0)]);
  v_start record;
BEGIN
  FOR v_start IN
    SELECT u.o, u.lane, u.at_ms, u.admitted_ms
    FROM unnest(p_lanes, p_at_ms, p_admitted_ms) WITH ORDINALITY AS u(lane, at_ms, admitted_ms, o)
    LEFT JOIN tenantry.lanes l ON l.name = u.lane
    ORDER BY l.tenant_id, l.queue, u.at_ms, u.o
  LOOP
    v_waits[v_start.o] := tenantry.rate_start(v_start.lane, v_start.at_ms, v_start.admitted_ms);
  END LOOP;
  RETURN v_waits;
END
$$;

-- sync_lanes (0024), clearing the set-aside time.
CREATE OR REPLACE FUNCTION sync_lanes(p_tenants text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_stopped text[];
BEGIN
  PERFORM 1 FROM tenantry.lanes WHERE p_tenants IS NULL OR tenant_id = ANY(p_tenants) ORDER BY name FOR UPDATE;
  WITH changed AS (
    UPDATE tenantry.lanes l SET
      cap = s.cap, weight = s.weight, rate_limit = s.rate_limit, rate_period_ms = s.rate_period_ms,
      -- A changed limit or period is seen by the next pass, not when the old window would free.
      rate_blocked_until = NULL,
      queue_rate_limit = (SELECT q.rate_limit FROM tenantry.queue_limits q
                          WHERE q.tenant_id = l.tenant_id AND q.queue = l.queue),
      queue_rate_period_ms = (SELECT q.rate_period_ms FROM tenantry.queue_limits q
                              WHERE q.tenant_id = l.tenant_id AND q.queue = l.queue),
      paused = s.paused OR l.queue = ANY(s.paused_queues),
      runnable = s.status = 'active' AND NOT (s.paused OR l.queue = ANY(s.paused_queues)),
      vtime = CASE WHEN NOT l.runnable AND s.status = 'active' AND NOT (s.paused OR l.queue = ANY(s.paused_queues))
                   THEN tenantry.busy_vtime(l.vtime, s.weight) ELSE l.vtime END
    FROM tenantry.tenant_scheduling s
    WHERE s.tenant_id = l.tenant_id AND (p_tenants IS NULL OR l.tenant_id = ANY(p_tenants))
    RETURNING l.name, l.runnable
  )
  SELECT array_agg(name) INTO v_stopped FROM changed WHERE NOT runnable;
  IF v_stopped IS NOT NULL THEN
    PERFORM tenantry.requeue_admitted(
      ARRAY(SELECT c.id FROM graphile_worker.complete_jobs(ARRAY(
        SELECT job_id FROM tenantry.lane_jobs WHERE lane = ANY(v_stopped) AND job_id IS NOT NULL)) c),
      NULL, NULL);
  END IF;
END
$$;

-- admit (0024): a picked lane's rate room read from its windows, locked; admissions charged
-- to them; full lanes set aside.
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
  -- Lanes set aside for their rate (rate_blocked_until) are passed by until their window frees.
  SELECT array_agg(p.name ORDER BY p.vtime), array_agg(p.vtime ORDER BY p.vtime),
         array_agg(p.weight ORDER BY p.vtime), array_agg(least(p.cap_room, v_room) ORDER BY p.vtime),
         array_agg(p.tenant_id ORDER BY p.vtime),
         coalesce(bool_or(p.rated), false)
  INTO v_names, v_vtimes, v_weights, v_rooms, v_tenants, v_rated
  FROM (
    SELECT l.name, l.vtime, l.weight, l.tenant_id, l.cap - l.inflight AS cap_room,
           l.rate_limit IS NOT NULL OR l.queue_rate_limit IS NOT NULL AS rated
    FROM tenantry.lanes l
    WHERE l.due IS NOT NULL AND l.runnable AND l.due <= now() AND l.inflight < l.cap
      AND (l.rate_blocked_until IS NULL OR l.rate_blocked_until <= v_now_ms)
    ORDER BY l.vtime
    LIMIT v_room
    FOR UPDATE OF l SKIP LOCKED
  ) p;
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
    SELECT * FROM unnest(v_names, v_vtimes, v_weights, v_rooms, v_tenants, v_trooms, v_blocked, v_untils)
      AS p(name, vtime, weight, room, tenant, troom, blocked, until)
  ), ranked AS MATERIALIZED (
    -- One job more than the lane's room: when it exists, the lane still has a due job after
    -- this pass, so its due time (<= now) stands and need not be looked up again.
    SELECT p.name, p.room, j.log_id, j.attempts,
           row_number() OVER (PARTITION BY p.name ORDER BY j.priority, j.log_id) AS k,
           p.vtime, p.weight, p.tenant, p.troom, p.until
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
    SELECT r.name, r.log_id, r.attempts, r.vtime + r.k / r.weight AS finish, r.until
    FROM ranked r WHERE r.k <= r.room AND r.troom IS NULL
    UNION ALL
    -- Lanes of one rate-limited tenant share its room: its jobs with the smallest finish
    -- times, up to what the tenant has left, whichever of its lanes they are in.
    SELECT t.name, t.log_id, t.attempts, t.finish, t.until FROM (
      SELECT r.name, r.log_id, r.attempts, r.vtime + r.k / r.weight AS finish, r.troom, r.until,
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
    SELECT p.name, coalesce(m.n, 0) AS n, p.room <= 0 OR coalesce(r.n, 0) > coalesce(m.n, 0) AS more, p.blocked
    FROM picked p LEFT JOIN per_lane m ON m.lane = p.name LEFT JOIN read r ON r.name = p.name
  )
  SELECT array_agg(name), array_agg(n), array_agg(more), array_agg(blocked), coalesce(sum(n), 0)::integer
  INTO v_lanes, v_counts, v_more, v_set_aside, v_total FROM counts;
  IF v_lanes IS NULL THEN RETURN 0; END IF;

  UPDATE tenantry.lanes l SET
    inflight = l.inflight + a.n,
    vtime = l.vtime + a.n / l.weight,
    admitted_total = l.admitted_total + a.n,
    -- Set aside until its window frees when it was found full; free again otherwise.
    rate_blocked_until = a.blocked,
    due = CASE WHEN a.more THEN l.due
               ELSE (SELECT min(j.run_at) FROM tenantry.lane_jobs j
                     WHERE j.lane = l.name AND j.job_id IS NULL AND j.deferred) END
  FROM unnest(v_lanes, v_counts, v_more, v_set_aside) AS a(name, n, more, blocked)
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

-- Milliseconds until the first lane set aside for its rate that would otherwise admit a due
-- job may be picked again, or NULL (0024 summed every waiting tenant's window here).
CREATE OR REPLACE FUNCTION rate_refill_in() RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT min(l.rate_blocked_until) - c.ms
  FROM (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms) c
  JOIN tenantry.lanes l ON l.rate_blocked_until > c.ms
  WHERE l.runnable AND l.due <= now() AND l.inflight < l.cap
  GROUP BY c.ms
$$;

-- The windows are rewritten by every pass that admits for their tenant (and by late starts),
-- as often as the lanes: the workers' upkeep vacuums them with the queue tables (0016).
CREATE OR REPLACE FUNCTION queue_dead_rows() RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT coalesce(sum(pg_stat_get_dead_tuples(to_regclass(t))), 0)::bigint
  FROM unnest(ARRAY['graphile_worker._private_jobs', 'tenantry.lane_jobs', 'tenantry.lanes',
                    'tenantry.lane_releases', 'tenantry.rate_windows']) AS t
$$;
