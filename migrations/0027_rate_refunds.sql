-- Charges of admitted jobs that are taken back before any worker fetched them are given back.
--
-- Admission charges a rate-limited job to its windows when it admits it (0025). A job taken
-- back from graphile-worker before a worker fetched it (its tenant suspended or its queue
-- paused: sync_lanes; cancelled: withdraw_job) never starts on that charge, yet the charge
-- counted against the tenant's room until it aged out: a tenant held to 100 starts an hour
-- that paused a queue with 100 admitted jobs had no room for the rest of that hour. The jobs
-- removed carry their charge's time (`rated_at` in their payload); rate_refund() takes one
-- charge off each of their windows, in the slice it was made in (a slice already dropped, or a
-- window whose period changed since, is left as it is: nothing there counts it any more, or the
-- new limit starts afresh). Jobs a worker had fetched keep their charge (they may have started).
--
-- Windows are locked in (tenant, scope) order, the tenant's before its queues', as the gate
-- and admission lock them. A lane set aside as full (rate_blocked_until) is woken where the
-- caller holds its lock: sync_lanes clears that for every lane of the tenants it syncs (a
-- resume among them), withdraw_job for the cancelled job's lane; the tenant's other lanes use
-- a cancel's refund when their set-aside time comes (taking their locks here could deadlock
-- with a sync holding them).
CREATE FUNCTION rate_refund(p_payloads json[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF coalesce(cardinality(p_payloads), 0) = 0 THEN RETURN; END IF;
  FOR r IN
    SELECT c.tenant, s.scope, s.period, c.at
    FROM (SELECT p->>'tenant' AS tenant, p->>'queue' AS queue, (p->>'rated_at')::bigint AS at
          FROM unnest(p_payloads) AS p WHERE p->>'rated_at' IS NOT NULL) c
    JOIN tenantry.lanes l ON l.tenant_id = c.tenant AND l.queue = c.queue
    CROSS JOIN LATERAL (VALUES ('', l.rate_period_ms), (c.queue, l.queue_rate_period_ms)) AS s(scope, period)
    WHERE s.period IS NOT NULL
    ORDER BY c.tenant, s.scope
  LOOP
    UPDATE tenantry.rate_windows w SET counts = tenantry.rate_give_back(w.ends, w.counts, r.period, r.at)
    WHERE w.tenant_id = r.tenant AND w.scope = r.scope;
  END LOOP;
END
$$;

-- sync_lanes (0025), giving back the charges of the admitted jobs it takes back.
CREATE OR REPLACE FUNCTION sync_lanes(p_tenants text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_stopped text[];
  v_taken bigint[];
  v_payloads json[];
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
    SELECT array_agg(c.id), array_agg(c.payload) INTO v_taken, v_payloads
    FROM graphile_worker.complete_jobs(ARRAY(
      SELECT job_id FROM tenantry.lane_jobs WHERE lane = ANY(v_stopped) AND job_id IS NOT NULL)) c;
    PERFORM tenantry.requeue_admitted(v_taken, NULL, NULL);
    PERFORM tenantry.rate_refund(v_payloads);
  END IF;
END
$$;

-- withdraw_job (0010), giving back the charge of an admitted job it removes and waking its lane.
CREATE OR REPLACE FUNCTION withdraw_job(p_log_id bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_lane text;
  v_job bigint;
  v_payload json;
BEGIN
  SELECT lane INTO v_lane FROM tenantry.lane_jobs WHERE log_id = p_log_id;
  IF NOT FOUND THEN RETURN 'none'; END IF;
  PERFORM 1 FROM tenantry.lanes WHERE name = v_lane FOR UPDATE;
  SELECT job_id INTO v_job FROM tenantry.lane_jobs WHERE log_id = p_log_id;
  IF NOT FOUND THEN RETURN 'none'; END IF;
  IF v_job IS NULL THEN
    DELETE FROM tenantry.lane_jobs WHERE log_id = p_log_id;
    RETURN 'waiting';
  END IF;
  SELECT c.payload INTO v_payload FROM graphile_worker.complete_jobs(ARRAY[v_job]) c;
  IF FOUND THEN
    PERFORM tenantry.finish_admitted(ARRAY[p_log_id]);
    PERFORM tenantry.rate_refund(ARRAY[v_payload]);
    IF v_payload->>'rated_at' IS NOT NULL THEN
      UPDATE tenantry.lanes SET rate_blocked_until = NULL WHERE name = v_lane AND rate_blocked_until IS NOT NULL;
    END IF;
    RETURN 'admitted';
  END IF;
  RETURN 'running';
END
$$;
