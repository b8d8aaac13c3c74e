-- Fair scheduler functions (tables in 0008). Lock order, which keeps them free of deadlocks
-- among themselves: job_logs rows, then lanes rows in name order, then lane_jobs rows.
-- Admission takes lanes and job_logs with SKIP LOCKED, so it never waits on either.

-- The smallest virtual time of the busy lanes.
CREATE FUNCTION vtime_floor() RETURNS double precision LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT vtime FROM tenantry.lanes WHERE due IS NOT NULL AND runnable ORDER BY vtime LIMIT 1), 0)
$$;

-- Where a lane that becomes busy starts: half a job before the floor (never before its own
-- vtime), so ahead of the busy lanes tied there, without credit for the time it was idle.
CREATE FUNCTION busy_vtime(p_vtime double precision, p_weight real) RETURNS double precision
LANGUAGE sql STABLE AS $$
  SELECT greatest(p_vtime, tenantry.vtime_floor() - 0.5 / p_weight)
$$;

-- Brings lanes of these tenants (all when NULL) in line with tenant_scheduling. A lane that
-- stops being runnable gives back its admitted jobs that no worker has taken yet.
CREATE FUNCTION sync_lanes(p_tenants text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_stopped text[];
BEGIN
  PERFORM 1 FROM tenantry.lanes WHERE p_tenants IS NULL OR tenant_id = ANY(p_tenants) ORDER BY name FOR UPDATE;
  WITH changed AS (
    UPDATE tenantry.lanes l SET
      cap = s.cap, weight = s.weight, rate_limit = s.rate_limit, rate_period_ms = s.rate_period_ms,
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

-- Admitted jobs whose graphile-worker job the caller has just removed go back to waiting in
-- their lane: at p_run_at (default: as they were) with p_attempts made (default: unchanged).
CREATE FUNCTION requeue_admitted(p_job_ids bigint[], p_run_at timestamptz[], p_attempts smallint[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_n integer;
BEGIN
  IF coalesce(cardinality(p_job_ids), 0) = 0 THEN RETURN 0; END IF;
  PERFORM 1 FROM tenantry.lanes WHERE name IN (
    SELECT lane FROM tenantry.lane_jobs WHERE job_id = ANY(p_job_ids)) ORDER BY name FOR UPDATE;
  WITH back AS (
    UPDATE tenantry.lane_jobs j SET job_id = NULL,
           run_at = coalesce(r.run_at, j.run_at), attempts = coalesce(r.attempts, j.attempts)
    FROM unnest(p_job_ids, coalesce(p_run_at, '{}'), coalesce(p_attempts, '{}')) AS r(job_id, run_at, attempts)
    WHERE j.job_id = r.job_id
    RETURNING j.lane, j.run_at
  ), per_lane AS (
    SELECT lane, count(*)::integer AS n, min(run_at) AS due FROM back GROUP BY lane
  ), upd AS (
    UPDATE tenantry.lanes l SET inflight = l.inflight - p.n, due = least(l.due, p.due)
    FROM per_lane p WHERE l.name = p.lane
    RETURNING p.n
  )
  SELECT coalesce(sum(n), 0)::integer INTO v_n FROM upd;
  RETURN v_n;
END
$$;

-- Admitted jobs that are over for good (completed, failed, cancelled) free their slot: their
-- rows go and a release is recorded for admission to fold in. Takes no lane lock, so a busy
-- admission pass never holds up the recording of outcomes. Idempotent: a job already finished
-- is not counted twice.
CREATE FUNCTION finish_admitted(p_log_ids bigint[]) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_n integer;
BEGIN
  IF coalesce(cardinality(p_log_ids), 0) = 0 THEN RETURN 0; END IF;
  WITH gone AS (
    DELETE FROM tenantry.lane_jobs WHERE log_id = ANY(p_log_ids) AND job_id IS NOT NULL RETURNING lane
  ), released AS (
    INSERT INTO tenantry.lane_releases (lane, n) SELECT lane, count(*) FROM gone GROUP BY lane RETURNING n
  )
  SELECT coalesce(sum(n), 0)::integer INTO v_n FROM released;
  RETURN v_n;
END
$$;

-- Folds recorded releases into inflight, for the lanes no admission pass holds right now (the
-- others are folded by a later pass).
CREATE FUNCTION fold_releases() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  WITH free AS (
    SELECT l.name FROM tenantry.lanes l
    WHERE l.name IN (SELECT lane FROM tenantry.lane_releases)
    ORDER BY l.name
    FOR UPDATE SKIP LOCKED
  ), folded AS (
    DELETE FROM tenantry.lane_releases r USING free WHERE r.lane = free.name RETURNING r.lane, r.n
  )
  UPDATE tenantry.lanes l SET inflight = l.inflight - f.n
  FROM (SELECT lane, sum(n)::integer AS n FROM folded GROUP BY lane) f
  WHERE l.name = f.lane;
END
$$;

-- Moves due jobs of runnable lanes with room into graphile-worker's unnamed queue. The room is
-- the admission slots of live workers (at least p_min_budget) minus jobs already queued there,
-- so graphile-worker's queue stays short, and its order is the order chosen here (run_at carries
-- the virtual finish time): smallest virtual finish time first (lane vtime + k/weight for its k-th job), within a lane
-- by priority then dispatch order. Returns how many jobs were admitted.
CREATE FUNCTION admit(p_min_budget integer DEFAULT 0) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_room integer;
  v_lanes text[];
  v_counts integer[];
  v_total integer;
  v_names text[];
  v_vtimes double precision[];
  v_weights real[];
  v_rooms integer[];
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
         array_agg(p.weight ORDER BY p.vtime), array_agg(p.room ORDER BY p.vtime)
  INTO v_names, v_vtimes, v_weights, v_rooms
  FROM (
    SELECT l.name, l.vtime, l.weight,
           least(l.cap - l.inflight, CASE
             WHEN l.rate_limit IS NULL THEN v_room
             WHEN l.window_start + l.rate_period_ms * interval '1 millisecond' <= now() THEN l.rate_limit
             ELSE l.rate_limit - l.window_count END) AS room
    FROM tenantry.lanes l
    WHERE l.due IS NOT NULL AND l.runnable AND l.due <= now() AND l.inflight < l.cap
      AND (l.rate_limit IS NULL OR l.window_count < l.rate_limit
           OR l.window_start + l.rate_period_ms * interval '1 millisecond' <= now())
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
    SELECT c.name, c.finish, c.attempts, l.id, l.task, l.tenant_id, l.queue, l.payload, l.max_attempts
    FROM tenantry.job_logs l JOIN chosen c ON c.log_id = l.id
    WHERE l.id = ANY(ARRAY(SELECT log_id FROM chosen)) AND l.status = 'pending'
  ), ordered AS MATERIALIZED (
    SELECT logs.*, row_number() OVER (ORDER BY finish, id) AS ord, count(*) OVER () AS total FROM logs
  ), added AS (
    SELECT j.id AS job_id, (j.payload->>'log')::bigint AS log_id
    FROM graphile_worker.add_jobs(ARRAY(
      SELECT ROW(
        o.task,
        json_build_object('log', o.id, 'tenant', o.tenant_id, 'queue', o.queue, 'attempt', o.attempts,
                          'laned', true, 'payload', o.payload),
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
    window_count = CASE WHEN a.n = 0 OR l.rate_limit IS NULL THEN l.window_count
                        WHEN l.window_start + l.rate_period_ms * interval '1 millisecond' <= now() THEN a.n
                        ELSE l.window_count + a.n END,
    window_start = CASE WHEN a.n > 0 AND l.rate_limit IS NOT NULL
                         AND l.window_start + l.rate_period_ms * interval '1 millisecond' <= now()
                        THEN now() ELSE l.window_start END,
    due = (SELECT min(j.run_at) FROM tenantry.lane_jobs j WHERE j.lane = l.name AND j.job_id IS NULL)
  FROM unnest(v_lanes, v_counts) AS a(name, n)
  WHERE l.name = a.name;
  RETURN v_total;
END
$$;

-- admit() for paths that must not fail because of it (recording outcomes, dispatch): an error
-- is reported as a warning and the jobs wait for the next pass.
CREATE FUNCTION try_admit(p_min_budget integer DEFAULT 0) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  RETURN tenantry.admit(p_min_budget);
EXCEPTION WHEN OTHERS THEN
  RAISE WARNING 'tenantry admission failed: % (%)', SQLERRM, SQLSTATE;
  RETURN 0;
END
$$;

-- Lanes for (tenant, queue) pairs, created on first use with the tenant's current settings.
CREATE FUNCTION ensure_lanes(p_tenants text[], p_queues text[]) RETURNS void LANGUAGE sql AS $$
  INSERT INTO tenantry.lanes (name, tenant_id, queue, cap, weight, rate_limit, rate_period_ms, paused, runnable, vtime)
  SELECT p.name, p.tenant_id, p.queue, s.cap, s.weight, s.rate_limit, s.rate_period_ms,
         s.paused OR p.queue = ANY(s.paused_queues),
         s.status = 'active' AND NOT (s.paused OR p.queue = ANY(s.paused_queues)), tenantry.busy_vtime('-infinity', s.weight)
  FROM (SELECT DISTINCT 'tenant_' || t || '_' || q, t, q FROM unnest(p_tenants, p_queues) AS u(t, q)
        WHERE t IS NOT NULL) AS p(name, tenant_id, queue)
  JOIN tenantry.tenant_scheduling s ON s.tenant_id = p.tenant_id
  WHERE NOT EXISTS (SELECT 1 FROM tenantry.lanes l WHERE l.name = p.name)
  ORDER BY p.name
  ON CONFLICT (name) DO NOTHING
$$;

-- Reconcile: compares each lane's count (inflight less its unfolded releases) with its
-- admitted rows, and finishes admitted jobs whose graphile-worker job is gone and whose log
-- already ended (a success whose release was lost). One whose log is still open belongs to a
-- worker that died after its job succeeded: the dead-worker rescue settles it
-- (src/worker/orphans.ts). Returns the lanes that were off.
CREATE FUNCTION reconcile_lanes(p_repair boolean DEFAULT true)
RETURNS TABLE (lane text, recorded integer, actual integer, vanished integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_vanished bigint[];
BEGIN
  SELECT array_agg(j.log_id) INTO v_vanished FROM tenantry.lane_jobs j
  JOIN tenantry.job_logs l ON l.id = j.log_id
  WHERE j.job_id IS NOT NULL AND l.status IN ('completed', 'failed', 'cancelled')
    AND NOT EXISTS (SELECT 1 FROM graphile_worker.jobs g WHERE g.id = j.job_id);
  RETURN QUERY
    WITH a AS (
      SELECT j.lane, count(*)::integer AS n FROM tenantry.lane_jobs j WHERE j.job_id IS NOT NULL GROUP BY j.lane
    ), r AS (
      SELECT r.lane, sum(r.n)::integer AS n FROM tenantry.lane_releases r GROUP BY r.lane
    ), v AS (
      SELECT j.lane, count(*)::integer AS n FROM tenantry.lane_jobs j
      WHERE j.log_id = ANY(coalesce(v_vanished, '{}')) GROUP BY j.lane
    )
    SELECT l.name, l.inflight - coalesce(r.n, 0), coalesce(a.n, 0), coalesce(v.n, 0)
    FROM tenantry.lanes l LEFT JOIN a ON a.lane = l.name LEFT JOIN r ON r.lane = l.name
    LEFT JOIN v ON v.lane = l.name
    WHERE l.inflight - coalesce(r.n, 0) <> coalesce(a.n, 0) OR v.n IS NOT NULL
    ORDER BY l.name;
  IF p_repair AND FOUND THEN
    PERFORM tenantry.finish_admitted(v_vanished);
    -- Admitted rows and unfolded releases are read in one snapshot (a finished job deletes its
    -- row and adds its release in one transaction), so their sum is what inflight must be.
    PERFORM 1 FROM tenantry.lanes ORDER BY name FOR UPDATE;
    UPDATE tenantry.lanes l SET inflight = coalesce(a.n, 0) + coalesce(r.n, 0)
    FROM tenantry.lanes l2
    LEFT JOIN (SELECT j.lane, count(*)::integer AS n FROM tenantry.lane_jobs j
               WHERE j.job_id IS NOT NULL GROUP BY j.lane) a ON a.lane = l2.name
    LEFT JOIN (SELECT r.lane, sum(r.n)::integer AS n FROM tenantry.lane_releases r GROUP BY r.lane) r
      ON r.lane = l2.name
    WHERE l.name = l2.name AND l.inflight <> coalesce(a.n, 0) + coalesce(r.n, 0);
  END IF;
END
$$;

-- Settings changes reach the lanes at once, and workers hear of them (tenant gate).
CREATE FUNCTION lanes_follow_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_tenant text;
BEGIN
  -- Separate assignments: each is planned only when reached, and the two tables differ.
  IF TG_TABLE_NAME = 'tenants' THEN v_tenant := NEW.id; ELSE v_tenant := NEW.tenant_id; END IF;
  PERFORM tenantry.sync_lanes(ARRAY[v_tenant]);
  PERFORM pg_notify('tenantry_tenant_status', v_tenant);
  RETURN NULL;
END
$$;

CREATE TRIGGER tenants_lanes_follow
  AFTER UPDATE OF status, concurrency, plan ON tenants
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.concurrency IS DISTINCT FROM NEW.concurrency
                     OR OLD.plan IS DISTINCT FROM NEW.plan)
  EXECUTE FUNCTION lanes_follow_tenant();

CREATE TRIGGER tenant_limits_lanes_follow
  AFTER INSERT OR UPDATE ON tenant_limits
  FOR EACH ROW EXECUTE FUNCTION lanes_follow_tenant();

CREATE FUNCTION lanes_follow_plans() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_plan text := CASE WHEN TG_OP = 'DELETE' THEN OLD.plan ELSE NEW.plan END;
BEGIN
  PERFORM tenantry.sync_lanes(ARRAY(SELECT id FROM tenantry.tenants WHERE plan = v_plan));
  RETURN NULL;
END
$$;

CREATE TRIGGER plan_limits_lanes_follow
  AFTER INSERT OR UPDATE OR DELETE ON plan_limits
  FOR EACH ROW EXECUTE FUNCTION lanes_follow_plans();
