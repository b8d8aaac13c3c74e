-- Bounds on a tenant's lanes.
--
-- A lane is a tenant's queue (`tenant_<id>_<queue>`); queue names are the tenant's to choose,
-- and cap and weight apply per lane. A tenant that spread its jobs over many made-up queue names
-- ran that many jobs at once past its concurrency and took that many shares of the workers
-- (a free tenant with concurrency 1 ran 4 of 5 slots against a tenant with one queue, and a
-- job of another tenant waited 118 s behind 100 single-job queues). Lanes were never deleted
-- either: 120,000 made in 23 s with one key made that tenant's resume run 12.5 minutes (every
-- limits change visits each of its lanes) and slowed everyone's admission and queue listing.
--
-- Now a tenant may have work (jobs waiting or admitted) in at most TENANT_MAX_BUSY_QUEUES queues
-- at once (default 16): a dispatch from outside that would open one more is refused, naming the
-- queue, before anything is written (SQLSTATE TQ001). Queues already busy take
-- any number of jobs, and a queue that drains stops counting. Two dispatches racing to open
-- the last queues can each pass the check: the bound is a bound on abuse, not an exact count.
-- And gc_idle_lanes() (queue-gc, hourly) deletes lanes with no work; the next job recreates one.

-- TENANT_MAX_BUSY_QUEUES reaches here from the dispatches made from outside (the API, the CLI:
-- src/jobs/dispatch.ts), as a transaction-local setting set in the dispatch's own statement.
-- The first ensure_lanes() of that statement (enqueue_job_batch calls it before writing
-- anything) reads it and clears it: the callbacks, requeues and supersede cancels that a
-- statement or its transaction sets off are Tenantry's own and never refused (a refused
-- callback dispatch inside a job's outcome write would have lost that outcome). NULL: unset.
CREATE FUNCTION take_busy_queue_limit() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v text := nullif(current_setting('tenantry.max_busy_queues', true), '');
BEGIN
  IF v IS NOT NULL THEN PERFORM set_config('tenantry.max_busy_queues', '', true); END IF;
  RETURN v::integer;
END
$$;

-- A lane has work: jobs admitted (inflight), or waiting. Waiting is looked up, not read from
-- the lane's due time: a cancel leaves that as it was, and a queue emptied by cancels read as
-- busy would be reopened without being counted.
CREATE FUNCTION lane_has_work(p_lane text, p_inflight integer) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT p_inflight > 0 OR EXISTS (SELECT 1 FROM tenantry.lane_jobs j WHERE j.lane = p_lane AND j.job_id IS NULL)
$$;

CREATE OR REPLACE FUNCTION ensure_lanes(p_tenants text[], p_queues text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_max integer := tenantry.take_busy_queue_limit();
  v_tenant text;
  v_busy integer;
  v_opening integer;
  v_queue text;
BEGIN
  -- Every lane named exists and already has work: nothing opens, nothing to create (the path of
  -- nearly every dispatch: two index probes per distinct lane of the request).
  IF NOT EXISTS (
    SELECT 1 FROM (SELECT DISTINCT 'tenant_' || t || '_' || q FROM unnest(p_tenants, p_queues) AS u(t, q)
                   WHERE t IS NOT NULL) AS p(name)
    WHERE NOT EXISTS (
      SELECT 1 FROM tenantry.lanes l WHERE l.name = p.name
        AND tenantry.lane_has_work(l.name, l.inflight))) THEN
    RETURN;
  END IF;
  -- The queues each tenant would open (lanes missing or idle), against those already busy;
  -- only for a dispatch from outside.
  IF v_max IS NOT NULL THEN
  SELECT o.tenant_id, b.busy, o.opening, o.first_queue INTO v_tenant, v_busy, v_opening, v_queue
  FROM (
    SELECT p.tenant_id, count(*)::integer AS opening, min(p.queue) AS first_queue
    FROM (SELECT DISTINCT 'tenant_' || t || '_' || q, t, q FROM unnest(p_tenants, p_queues) AS u(t, q)
          WHERE t IS NOT NULL) AS p(name, tenant_id, queue)
    WHERE NOT EXISTS (
      SELECT 1 FROM tenantry.lanes l WHERE l.name = p.name
        AND tenantry.lane_has_work(l.name, l.inflight))
    GROUP BY p.tenant_id
  ) o
  CROSS JOIN LATERAL (
    SELECT count(*)::integer AS busy FROM tenantry.lanes l
    WHERE l.tenant_id = o.tenant_id
      AND tenantry.lane_has_work(l.name, l.inflight)
  ) b
  WHERE b.busy + o.opening > v_max
  ORDER BY o.tenant_id
  LIMIT 1;
  IF v_tenant IS NOT NULL THEN
    RAISE EXCEPTION 'tenant % has work in % queues, the most it may have at once (TENANT_MAX_BUSY_QUEUES is %); queue "%" would open % more',
      v_tenant, v_busy, v_max, v_queue, v_opening
      USING ERRCODE = 'TQ001', HINT = 'dispatch into a queue that already has work, or wait until one drains';
  END IF;
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

-- Deletes up to p_max lanes with no work (no job waiting or admitted; a cancel leaves the
-- lane's due time as it was, for the next pass to correct, so `due` is not asked). The lanes are
-- locked first, skipping any a dispatch or an admission holds, and checked again in the next
-- statement, whose snapshot is taken after the locks: a job that reached a lane before its lock
-- is seen there, and the lane is kept (the delete cascades to lane_jobs, so it must find none).
-- A dispatch that found the lane just before it went fails on the lane's foreign key and is
-- answered "dispatch again" (src/jobs/dispatch.ts); nothing is lost. Returns how many went.
CREATE FUNCTION gc_idle_lanes(p_max integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_names text[];
  v_n integer;
BEGIN
  SELECT array_agg(v.name) INTO v_names FROM (
    SELECT l.name FROM tenantry.lanes l
    WHERE l.inflight = 0
      AND NOT EXISTS (SELECT 1 FROM tenantry.lane_jobs j WHERE j.lane = l.name)
    LIMIT p_max
    FOR UPDATE OF l SKIP LOCKED
  ) v;
  IF v_names IS NULL THEN RETURN 0; END IF;
  DELETE FROM tenantry.lanes l
  WHERE l.name = ANY(v_names) AND l.inflight = 0
    AND NOT EXISTS (SELECT 1 FROM tenantry.lane_jobs j WHERE j.lane = l.name);
  GET DIAGNOSTICS v_n = ROW_COUNT;
  RETURN v_n;
END
$$;
