-- Rate limits per tenant, all its queues together, and optionally per queue on top.
--
-- Rate limits were kept per lane (0011): every lane of a tenant got the tenant's limit, so a
-- tenant with three busy queues could start three times its plan's rate. The limit is now the
-- tenant's: each lane still records its own admissions in slices (rate_ends, rate_counts), and
-- admission sums the slices of all the tenant's rate-limited lanes (inline, once per lane: a
-- sum through SQL functions, twice per lane, was most of a pass when every tenant had a limit).
-- The lanes of one tenant carry the same limit and period (the scheduling view is per tenant),
-- and those picked in one pass share what the tenant has left: its jobs with the smallest
-- finish times get it, whichever lane they are in. Two passes picking different lanes of one
-- tenant at once can still admit past its room (neither sees the other's admissions); the
-- start gate is exact and holds the excess back.
--
-- A queue may have a limit of its own: `{limit, period}` on the starts of one logical queue of
-- a tenant, e.g. its `reports` at 10 a minute while the tenant as a whole may start 1,000. Set
-- per tenant (PATCH /api/tenants/:id/limits `queue_rates`, `tenantry tenants limits
-- --queue-rate`); plans know no queues. A lane with one keeps that window's admissions in
-- slices of its own (queue_rate_ends, queue_rate_counts), cut by the queue's period: one set of
-- slices cannot serve two periods (slices are 1/16 of a period and kept two periods, so a short
-- queue period under a long tenant one would need thousands). They stay NULL on lanes without
-- one: no bytes added to the rows every admission rewrites. Admission bounds the lane's room by
-- both windows.
--
-- Starts move off the lane rows into rate_starts: one row per rate-limited tenant (scope '')
-- and per queue with a limit (scope = the queue). The start gate locked the lane row, which
-- every admission pass holds locked through its transaction (a writer flight, several ms under
-- load), so a rate-limited job's start waited for the pass and held its worker slot meanwhile.
-- A tenant's starts are one row, locked by the gate, which counts them one at a time. The gate
-- holds a start back when either window is full, gives back an admission in each (the only
-- path that still takes the lane's lock), and reports the later of the two to free.

CREATE TABLE queue_limits (
  tenant_id      text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  queue          text NOT NULL,
  rate_limit     integer NOT NULL CHECK (rate_limit BETWEEN 1 AND 1000000),
  rate_period_ms integer NOT NULL CHECK (rate_period_ms BETWEEN 100 AND 86400000),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, queue)
);

ALTER TABLE lanes
  ADD COLUMN queue_rate_limit integer,
  ADD COLUMN queue_rate_period_ms integer,
  ADD COLUMN queue_rate_ends bigint[],
  ADD COLUMN queue_rate_counts integer[],
  DROP COLUMN start_ends,
  DROP COLUMN start_counts;

-- Starts recorded by the start gate, in slices as in 0011: a tenant's (scope '') and a queue's
-- (scope = the queue name), each row locked by the gate while it counts a start.
CREATE TABLE rate_starts (
  tenant_id text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  scope     text NOT NULL,
  ends      bigint[] NOT NULL DEFAULT '{}',
  counts    integer[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (tenant_id, scope)
);

CREATE INDEX lanes_queue_rated_idx ON lanes (name) WHERE queue_rate_limit IS NOT NULL;

-- sync_lanes (0009) and ensure_lanes (0013) with the queue's limit.
CREATE OR REPLACE FUNCTION sync_lanes(p_tenants text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_stopped text[];
BEGIN
  PERFORM 1 FROM tenantry.lanes WHERE p_tenants IS NULL OR tenant_id = ANY(p_tenants) ORDER BY name FOR UPDATE;
  WITH changed AS (
    UPDATE tenantry.lanes l SET
      cap = s.cap, weight = s.weight, rate_limit = s.rate_limit, rate_period_ms = s.rate_period_ms,
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

CREATE OR REPLACE FUNCTION ensure_lanes(p_tenants text[], p_queues text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM (SELECT DISTINCT 'tenant_' || t || '_' || q FROM unnest(p_tenants, p_queues) AS u(t, q)
                   WHERE t IS NOT NULL) AS p(name)
    WHERE NOT EXISTS (SELECT 1 FROM tenantry.lanes l WHERE l.name = p.name)) THEN
    RETURN;
  END IF;
  INSERT INTO tenantry.lanes (name, tenant_id, queue, cap, weight, rate_limit, rate_period_ms,
                              queue_rate_limit, queue_rate_period_ms, paused, runnable, vtime)
  SELECT p.name, p.tenant_id, p.queue, s.cap, s.weight, s.rate_limit, s.rate_period_ms, q.rate_limit, q.rate_period_ms,
         s.paused OR p.queue = ANY(s.paused_queues),
         s.status = 'active' AND NOT (s.paused OR p.queue = ANY(s.paused_queues)), tenantry.busy_vtime('-infinity', s.weight)
  FROM (SELECT DISTINCT 'tenant_' || t || '_' || q, t, q FROM unnest(p_tenants, p_queues) AS u(t, q)
        WHERE t IS NOT NULL) AS p(name, tenant_id, queue)
  JOIN tenantry.tenant_scheduling s ON s.tenant_id = p.tenant_id
  LEFT JOIN tenantry.queue_limits q ON q.tenant_id = p.tenant_id AND q.queue = p.queue
  WHERE NOT EXISTS (SELECT 1 FROM tenantry.lanes l WHERE l.name = p.name)
  ORDER BY p.name
  ON CONFLICT (name) DO NOTHING;
END
$$;

-- A queue limit set, changed or removed reaches the tenant's lanes at once.
CREATE FUNCTION lanes_follow_queue_limits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM tenantry.sync_lanes(ARRAY[OLD.tenant_id]);
  ELSE
    PERFORM tenantry.sync_lanes(ARRAY[NEW.tenant_id]);
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER queue_limits_lanes_follow
  AFTER INSERT OR UPDATE OR DELETE ON queue_limits
  FOR EACH ROW EXECUTE FUNCTION lanes_follow_queue_limits();

-- admit (0021): a rate-limited lane's room is what its tenant has left, all its lanes' admissions
-- counted, and what its queue's own window has left; admissions recorded in both.
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
  -- admissions counted; troom carries that to the per-tenant cut below. A
  -- queue's own limit (qroom) bounds its lane's room on top.
  SELECT array_agg(p.name ORDER BY p.vtime), array_agg(p.vtime ORDER BY p.vtime),
         array_agg(p.weight ORDER BY p.vtime), array_agg(least(p.cap_room, p.troom, p.qroom, v_room) ORDER BY p.vtime),
         coalesce(array_agg(p.name) FILTER (WHERE p.troom IS NOT NULL OR p.qroom IS NOT NULL), '{}'),
         array_agg(p.tenant_id ORDER BY p.vtime), array_agg(p.troom ORDER BY p.vtime)
  INTO v_names, v_vtimes, v_weights, v_rooms, v_rated, v_tenants, v_trooms
  FROM (
    SELECT l.name, l.vtime, l.weight, l.tenant_id, l.cap - l.inflight AS cap_room,
           l.rate_limit - r.tused AS troom, l.queue_rate_limit - r.qused AS qroom
    FROM tenantry.lanes l
    -- Each window summed once per lane (OFFSET 0 keeps the subquery from being inlined into
    -- both the filter and the output), inline rather than through SQL functions: a
    -- function call per lane was most of a pass when every tenant had a rate limit.
    CROSS JOIN LATERAL (
      SELECT CASE WHEN l.rate_limit IS NOT NULL THEN (
               SELECT coalesce(sum(u.c), 0)::integer
               FROM tenantry.lanes s CROSS JOIN LATERAL unnest(s.rate_ends, s.rate_counts) AS u(e, c)
               WHERE s.tenant_id = l.tenant_id AND s.rate_limit IS NOT NULL AND u.e > v_now_ms - s.rate_period_ms)
             END AS tused,
             CASE WHEN l.queue_rate_limit IS NOT NULL THEN (
               SELECT coalesce(sum(u.c), 0)::integer FROM unnest(l.queue_rate_ends, l.queue_rate_counts) AS u(e, c)
               WHERE u.e > v_now_ms - l.queue_rate_period_ms)
             END AS qused
      OFFSET 0
    ) r
    WHERE l.due IS NOT NULL AND l.runnable AND l.due <= now() AND l.inflight < l.cap
      AND (l.rate_limit IS NULL OR r.tused < l.rate_limit)
      AND (l.queue_rate_limit IS NULL OR r.qused < l.queue_rate_limit)
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
    queue_rate_ends = CASE WHEN l.queue_rate_limit IS NULL OR a.n = 0 THEN l.queue_rate_ends
      ELSE (tenantry.rate_record(l.queue_rate_ends, l.queue_rate_counts, l.queue_rate_period_ms, v_now_ms, a.n)).ends END,
    queue_rate_counts = CASE WHEN l.queue_rate_limit IS NULL OR a.n = 0 THEN l.queue_rate_counts
      ELSE (tenantry.rate_record(l.queue_rate_ends, l.queue_rate_counts, l.queue_rate_period_ms, v_now_ms, a.n)).counts END,
    due = CASE WHEN a.more THEN l.due
               ELSE (SELECT min(j.run_at) FROM tenantry.lane_jobs j
                     WHERE j.lane = l.name AND j.job_id IS NULL AND j.deferred) END
  FROM unnest(v_lanes, v_counts, v_more) AS a(name, n, more)
  WHERE l.name = a.name;
  RETURN v_total;
END
$$;

-- The start of a job of a rate-limited lane at p_at_ms (the time its job log records as its
-- start): 0 when neither its tenant's window nor its queue's is full (the start is recorded in
-- both), else the milliseconds until the later of the full ones frees (nothing recorded; the
-- lane gives back one admission in each window it keeps, so the job can be admitted again).
-- As in 0011, every slice that may hold a start within the period ending at p_at_ms counts, so
-- starts recorded out of order never exceed a limit in any period.
CREATE OR REPLACE FUNCTION rate_start(p_lane text, p_at_ms bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  v_lane record;
  v_scopes text[];
  v_tenant_row record;
  v_queue_row record;
  v_last integer;
  v_wait bigint := 0;
BEGIN
  SELECT l.tenant_id, l.queue, l.rate_limit, l.rate_period_ms, l.queue_rate_limit, l.queue_rate_period_ms
  INTO v_lane FROM tenantry.lanes l WHERE l.name = p_lane;
  IF NOT FOUND OR (v_lane.rate_limit IS NULL AND v_lane.queue_rate_limit IS NULL) THEN RETURN 0; END IF;
  v_scopes := array_remove(ARRAY[CASE WHEN v_lane.rate_limit IS NOT NULL THEN '' END,
                                 CASE WHEN v_lane.queue_rate_limit IS NOT NULL THEN v_lane.queue END], NULL);
  -- Locked one at a time, the tenant's row ('') before the queue's: one order for every gate.
  -- A row is made on a scope's first start.
  IF v_lane.rate_limit IS NOT NULL THEN
    SELECT r.ends, r.counts INTO v_tenant_row FROM tenantry.rate_starts r
    WHERE r.tenant_id = v_lane.tenant_id AND r.scope = '' FOR UPDATE;
    IF NOT FOUND THEN
      INSERT INTO tenantry.rate_starts (tenant_id, scope) VALUES (v_lane.tenant_id, '') ON CONFLICT DO NOTHING;
      SELECT r.ends, r.counts INTO v_tenant_row FROM tenantry.rate_starts r
      WHERE r.tenant_id = v_lane.tenant_id AND r.scope = '' FOR UPDATE;
    END IF;
  END IF;
  IF v_lane.queue_rate_limit IS NOT NULL THEN
    SELECT r.ends, r.counts INTO v_queue_row FROM tenantry.rate_starts r
    WHERE r.tenant_id = v_lane.tenant_id AND r.scope = v_lane.queue FOR UPDATE;
    IF NOT FOUND THEN
      INSERT INTO tenantry.rate_starts (tenant_id, scope) VALUES (v_lane.tenant_id, v_lane.queue) ON CONFLICT DO NOTHING;
      SELECT r.ends, r.counts INTO v_queue_row FROM tenantry.rate_starts r
      WHERE r.tenant_id = v_lane.tenant_id AND r.scope = v_lane.queue FOR UPDATE;
    END IF;
  END IF;
  -- Nested, not AND-ed: a record not assigned must not be read.
  IF v_lane.rate_limit IS NOT NULL THEN
    IF tenantry.rate_used(v_tenant_row.ends, v_tenant_row.counts, p_at_ms - v_lane.rate_period_ms) >= v_lane.rate_limit THEN
      v_wait := greatest(1, (SELECT min(u.e) FROM unnest(v_tenant_row.ends, v_tenant_row.counts) AS u(e, c)
                             WHERE u.c > 0 AND u.e > p_at_ms - v_lane.rate_period_ms) + v_lane.rate_period_ms - p_at_ms);
    END IF;
  END IF;
  IF v_lane.queue_rate_limit IS NOT NULL THEN
    IF tenantry.rate_used(v_queue_row.ends, v_queue_row.counts, p_at_ms - v_lane.queue_rate_period_ms) >= v_lane.queue_rate_limit THEN
      v_wait := greatest(v_wait, 1, (SELECT min(u.e) FROM unnest(v_queue_row.ends, v_queue_row.counts) AS u(e, c)
                                     WHERE u.c > 0 AND u.e > p_at_ms - v_lane.queue_rate_period_ms)
                                    + v_lane.queue_rate_period_ms - p_at_ms);
    END IF;
  END IF;
  IF v_wait = 0 THEN
    UPDATE tenantry.rate_starts r SET (ends, counts) = (
      SELECT x.ends, x.counts FROM tenantry.rate_record(r.ends, r.counts,
        CASE WHEN r.scope = '' THEN v_lane.rate_period_ms ELSE v_lane.queue_rate_period_ms END, p_at_ms, 1) x)
    WHERE r.tenant_id = v_lane.tenant_id AND r.scope = ANY(v_scopes);
    RETURN 0;
  END IF;
  -- Each admission window's newest slice that counts one gives it back.
  SELECT l.rate_counts, l.queue_rate_counts INTO v_lane FROM tenantry.lanes l WHERE l.name = p_lane FOR UPDATE;
  SELECT max(u.o) INTO v_last FROM unnest(v_lane.rate_counts) WITH ORDINALITY AS u(c, o) WHERE u.c > 0;
  IF v_last IS NOT NULL THEN
    UPDATE tenantry.lanes l SET rate_counts[v_last] = l.rate_counts[v_last] - 1 WHERE l.name = p_lane;
  END IF;
  SELECT max(u.o) INTO v_last FROM unnest(v_lane.queue_rate_counts) WITH ORDINALITY AS u(c, o) WHERE u.c > 0;
  IF v_last IS NOT NULL THEN
    UPDATE tenantry.lanes l SET queue_rate_counts[v_last] = l.queue_rate_counts[v_last] - 1 WHERE l.name = p_lane;
  END IF;
  RETURN v_wait;
END
$$;

-- Milliseconds until the first tenant or queue whose lanes would admit a due job but for its
-- rate gets room back (its oldest admission slice that still counts leaves the window), or
-- NULL. 0011's took a lane's oldest kept slice, which may already be out of the window (slices
-- are kept two periods): it answered 0 while the window was still full, and the admission tick
-- then ran a pass every millisecond until the window freed.
CREATE OR REPLACE FUNCTION rate_refill_in() RETURNS bigint LANGUAGE sql STABLE AS $$
  -- One pass over the slices that still count of the tenants that wait, not a sum per tenant.
  WITH clock AS (
    SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms
  ), waiting AS (
    -- Tenants with a rate-limited lane that would admit a due job but for the rate.
    SELECT DISTINCT l.tenant_id FROM tenantry.lanes l
    WHERE l.rate_limit IS NOT NULL AND l.runnable AND l.due <= now() AND l.inflight < l.cap
  ), tenants AS (
    SELECT l.tenant_id, sum(u.c) AS used, min(l.rate_limit) AS lim, min(u.e + l.rate_period_ms) FILTER (WHERE u.c > 0) AS frees
    FROM waiting w JOIN tenantry.lanes l ON l.tenant_id = w.tenant_id AND l.rate_limit IS NOT NULL
    CROSS JOIN clock k CROSS JOIN LATERAL unnest(l.rate_ends, l.rate_counts) AS u(e, c)
    WHERE u.e > k.ms - l.rate_period_ms
    GROUP BY l.tenant_id
  ), queues AS (
    SELECT min(u.e + l.queue_rate_period_ms) FILTER (WHERE u.c > 0) AS frees
    FROM tenantry.lanes l CROSS JOIN clock k CROSS JOIN LATERAL unnest(l.queue_rate_ends, l.queue_rate_counts) AS u(e, c)
    WHERE l.queue_rate_limit IS NOT NULL AND l.runnable AND l.due <= now() AND l.inflight < l.cap
      AND u.e > k.ms - l.queue_rate_period_ms
    GROUP BY l.name, l.queue_rate_limit
    HAVING sum(u.c) >= l.queue_rate_limit
  ), frees AS (
    SELECT t.frees FROM tenants t WHERE t.used >= t.lim
    UNION ALL
    SELECT q.frees FROM queues q
  )
  -- greatest() ignores NULL: nothing blocked must stay NULL, not become 0.
  SELECT CASE WHEN f.m IS NOT NULL THEN greatest(0, f.m - k.ms) END
  FROM (SELECT min(frees) AS m FROM frees) f CROSS JOIN clock k
$$;
