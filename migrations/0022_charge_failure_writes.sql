-- A failed attempt pays for the slot time it holds until its failure is written.
--
-- A failure (or a cancellation) is written before graphile-worker hears of it: the worker slot
-- stays taken until the job-log writer's flight carrying it commits, 15-29 ms at the median
-- beside 100 busy tenants, against well under a millisecond for the handler that threw. The
-- charge (0014) was computed when the write was queued, so a tenant whose every job fails held
-- a slot some 20 ms an attempt and was charged one start for it: bench:jobs' failing tenant
-- left the others 0.93-0.97x of their throughput (median of seven rounds). Workers now send
-- such an attempt's slot time once its write is done, as a change of its own carrying only
-- that; record_job_outcomes (0014) charges it as before and, as here, no longer rewrites the
-- log row (or notifies) for a change with nothing else in it.

CREATE OR REPLACE FUNCTION record_job_outcomes(
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
    -- A change that carries only slot time (a failed attempt's, sent once its write is done)
    -- leaves the log row alone: no new row version, no notification.
    WHERE l.id = u.id
      AND num_nonnulls(u.status, u.attempts, u.started_at, u.progress, u.step, u.result, u.error_message,
                       u.error_stack, u.finished_at, u.duration_ms) > 0
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
