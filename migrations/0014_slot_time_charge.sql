-- Fair share of slot time for long jobs. Fair queuing counted starts only, so a tenant whose
-- jobs hang until their timeout held its cap of worker slots for as long as they hung and was
-- admitted again as soon as they ended: it took most of the slot time while getting its share
-- of starts. Now an attempt costs one start, or, when it held its slot longer than one
-- quantum, its slot time in quanta: what it held beyond the first quantum is charged to its
-- lane's virtual time when the attempt ends. Jobs shorter than a quantum are scheduled by
-- starts exactly as before.

-- Quantum of slot time worth one start.
CREATE FUNCTION slot_quantum_ms() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 10 $$;

-- Starts owed, beyond the one charged at admission, for an attempt that held a slot p_ms.
CREATE FUNCTION slot_charge(p_ms integer) RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
  SELECT greatest(0, coalesce(p_ms, 0)::double precision / tenantry.slot_quantum_ms() - 1)
$$;

-- Releases may now carry only a charge (n = 0).
ALTER TABLE lane_releases ADD COLUMN charge double precision NOT NULL DEFAULT 0 CHECK (charge >= 0);
ALTER TABLE lane_releases DROP CONSTRAINT lane_releases_n_check;
ALTER TABLE lane_releases ADD CONSTRAINT lane_releases_n_check CHECK (n >= 0);

-- fold_releases (0012), adding the charges to the lanes' virtual time.
CREATE OR REPLACE FUNCTION fold_releases() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_lanes text[];
BEGIN
  SELECT array_agg(DISTINCT lane) INTO v_lanes FROM tenantry.lane_releases;
  IF v_lanes IS NULL THEN RETURN; END IF;
  WITH free AS (
    SELECT l.name FROM tenantry.lanes l
    WHERE l.name = ANY(v_lanes)
    ORDER BY l.name
    FOR UPDATE SKIP LOCKED
  ), folded AS (
    DELETE FROM tenantry.lane_releases r USING free WHERE r.lane = free.name RETURNING r.lane, r.n, r.charge
  )
  UPDATE tenantry.lanes l SET inflight = l.inflight - f.n, vtime = l.vtime + f.charge / l.weight
  FROM (SELECT lane, sum(n)::integer AS n, sum(charge) AS charge FROM folded GROUP BY lane) f
  WHERE l.name = f.lane;
END
$$;

-- record_job_outcomes (0010) with p_held_ms: per changed log row, the slot time of the attempt
-- that just ended (NULL for none). The 0010 signature stays, charging nothing, for workers
-- of the previous release during a rolling upgrade.
DROP FUNCTION record_job_outcomes(bigint[], text[], bigint[], text[], timestamptz[], smallint[], bigint[],
  bigint[], text[], integer[], timestamptz[], smallint[], text[], jsonb[], text[], text[], timestamptz[],
  integer[], integer);

CREATE FUNCTION record_job_outcomes(
  p_release_ids bigint[], p_release_workers text[],
  p_requeue_ids bigint[], p_requeue_workers text[], p_requeue_run_at timestamptz[], p_requeue_attempts smallint[],
  p_finish bigint[],
  p_ids bigint[], p_status text[], p_attempts integer[], p_started_at timestamptz[], p_progress smallint[],
  p_step text[], p_result jsonb[], p_error_message text[], p_error_stack text[], p_finished_at timestamptz[],
  p_duration_ms integer[], p_held_ms integer[], p_min_budget integer
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  v_changed text;
  v_requeued bigint[];
  v_freed integer := 0;
BEGIN
  WITH updated AS (
    UPDATE tenantry.job_logs AS l SET
      status = CASE WHEN l.status = 'cancelled' THEN l.status ELSE coalesce(u.status, l.status) END,
      attempts = coalesce(u.attempts, l.attempts),
      started_at = coalesce(u.started_at, l.started_at),
      progress = coalesce(u.progress, l.progress),
      step = coalesce(u.step, l.step),
      result = coalesce(u.result, l.result),
      error_message = coalesce(u.error_message, l.error_message),
      error_stack = coalesce(u.error_stack, l.error_stack),
      finished_at = coalesce(u.finished_at, l.finished_at),
      duration_ms = coalesce(u.duration_ms, l.duration_ms)
    FROM unnest(p_ids, p_status, p_attempts, p_started_at, p_progress, p_step, p_result, p_error_message,
                p_error_stack, p_finished_at, p_duration_ms)
      AS u(id, status, attempts, started_at, progress, step, result, error_message, error_stack, finished_at, duration_ms)
    WHERE l.id = u.id
    RETURNING l.id
  )
  SELECT string_agg(id::text, ',') INTO v_changed FROM updated;
  IF v_changed IS NOT NULL THEN PERFORM pg_notify('tenantry_job_logs', v_changed); END IF;

  IF cardinality(p_release_ids) > 0 THEN
    WITH done AS (
      DELETE FROM graphile_worker._private_jobs AS j
      USING unnest(p_release_ids, p_release_workers) AS r(id, worker)
      WHERE j.id = r.id AND j.locked_by = r.worker
      RETURNING j.job_queue_id, j.locked_by
    )
    UPDATE graphile_worker._private_job_queues AS q SET locked_by = NULL, locked_at = NULL
    FROM done WHERE q.id = done.job_queue_id AND q.locked_by = done.locked_by;
  END IF;

  IF cardinality(p_requeue_ids) > 0 THEN
    WITH done AS (
      DELETE FROM graphile_worker._private_jobs AS j
      USING unnest(p_requeue_ids, p_requeue_workers) AS r(id, worker)
      WHERE j.id = r.id AND j.locked_by = r.worker
      RETURNING j.id
    )
    SELECT array_agg(id) INTO v_requeued FROM done;
    IF v_requeued IS NOT NULL THEN
      v_freed := v_freed + tenantry.requeue_admitted(
        ARRAY(SELECT r.id FROM unnest(p_requeue_ids) AS r(id) WHERE r.id = ANY(v_requeued)),
        ARRAY(SELECT r.run_at FROM unnest(p_requeue_ids, p_requeue_run_at) AS r(id, run_at) WHERE r.id = ANY(v_requeued)),
        ARRAY(SELECT r.a FROM unnest(p_requeue_ids, p_requeue_attempts) AS r(id, a) WHERE r.id = ANY(v_requeued)));
    END IF;
  END IF;

  v_freed := v_freed + tenantry.finish_admitted(p_finish);
  -- Slot time beyond one quantum, owed by the lanes that held it (folded into vtime with the
  -- releases). Only long attempts pay a lookup: a batch of short jobs adds nothing here.
  INSERT INTO tenantry.lane_releases (lane, n, charge)
  SELECT l.lane, 0, sum(tenantry.slot_charge(h.ms))
  FROM unnest(p_ids, p_held_ms) AS h(id, ms)
  JOIN tenantry.job_logs l ON l.id = h.id
  WHERE h.ms > tenantry.slot_quantum_ms() AND l.tenant_id IS NOT NULL
  GROUP BY l.lane;
  IF v_freed > 0 OR 'completed' = ANY(p_status) OR 'failed' = ANY(p_status) THEN
    PERFORM tenantry.try_admit(p_min_budget);
  END IF;
END
$$;

CREATE FUNCTION record_job_outcomes(
  p_release_ids bigint[], p_release_workers text[],
  p_requeue_ids bigint[], p_requeue_workers text[], p_requeue_run_at timestamptz[], p_requeue_attempts smallint[],
  p_finish bigint[],
  p_ids bigint[], p_status text[], p_attempts integer[], p_started_at timestamptz[], p_progress smallint[],
  p_step text[], p_result jsonb[], p_error_message text[], p_error_stack text[], p_finished_at timestamptz[],
  p_duration_ms integer[], p_min_budget integer
) RETURNS void LANGUAGE sql AS $$
  SELECT tenantry.record_job_outcomes(p_release_ids, p_release_workers, p_requeue_ids, p_requeue_workers,
    p_requeue_run_at, p_requeue_attempts, p_finish, p_ids, p_status, p_attempts, p_started_at, p_progress,
    p_step, p_result, p_error_message, p_error_stack, p_finished_at, p_duration_ms, NULL, p_min_budget)
$$;
