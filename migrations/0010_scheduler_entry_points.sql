-- The scheduler's entry points (tables in 0008, admission and accounting in 0009): dispatch,
-- recorded outcomes, cancel and retry by hand. Same lock order as 0009: job_logs rows, then
-- lanes rows in name order, then lane_jobs rows.

-- Dispatch of tenant jobs: a job_logs row and a waiting lane_jobs row each, then an admission
-- pass. A job key replaces the tenant's job with that key that has not started: waiting, or
-- admitted but not yet taken by a worker (graphile-worker's replace semantics); a running one
-- runs on and the new job is added beside it. Within one call, the last spec with a key wins.
CREATE FUNCTION enqueue_jobs(
  p_task text[], p_tenant text[], p_queue text[], p_payload jsonb[], p_meta jsonb[],
  p_source_type text[], p_source_id text[], p_run_at timestamptz[], p_priority integer[],
  p_max_attempts integer[], p_job_key text[], p_callback_url text[]
) RETURNS TABLE (id bigint, tenant_id text, queue text, lane text, run_at timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_lanes text[];
  v_keys text[];
  v_old_logs bigint[];
  v_old_keys text[];
  v_removed bigint[];
  v_ids bigint[];
  v_winner bigint[];
BEGIN
  PERFORM tenantry.ensure_lanes(p_tenant, p_queue);
  SELECT array_agg(DISTINCT 'tenant_' || t || '_' || q) INTO v_lanes FROM unnest(p_tenant, p_queue) AS u(t, q);
  PERFORM 1 FROM tenantry.lanes l WHERE l.name = ANY(v_lanes) ORDER BY l.name FOR UPDATE;

  SELECT array_agg(DISTINCT k) INTO v_keys FROM unnest(p_job_key) AS k WHERE k IS NOT NULL;
  IF v_keys IS NOT NULL THEN
    -- Admitted but not taken: complete_jobs removes only unlocked jobs.
    SELECT array_agg(c.id) INTO v_removed FROM graphile_worker.complete_jobs(ARRAY(
      SELECT j.job_id FROM tenantry.lane_jobs j WHERE j.job_key = ANY(v_keys) AND j.job_id IS NOT NULL)) c;
    SELECT array_agg(j.log_id), array_agg(j.job_key) INTO v_old_logs, v_old_keys FROM tenantry.lane_jobs j
    WHERE j.job_key = ANY(v_keys) AND (j.job_id IS NULL OR j.job_id = ANY(coalesce(v_removed, '{}')));
    PERFORM tenantry.finish_admitted(ARRAY(
      SELECT j.log_id FROM tenantry.lane_jobs j WHERE j.job_id = ANY(coalesce(v_removed, '{}'))));
    DELETE FROM tenantry.lane_jobs j WHERE j.job_key = ANY(v_keys) AND j.job_id IS NULL;
    -- Running ones keep going without their key.
    UPDATE tenantry.lane_jobs j SET job_key = NULL WHERE j.job_key = ANY(v_keys);
  END IF;

  -- Log ids drawn first; winner: the id of the last spec in this call with the same key.
  SELECT array_agg(nextval(pg_get_serial_sequence('tenantry.job_logs', 'id')) ORDER BY g) INTO v_ids
  FROM generate_series(1, cardinality(p_task)) AS g;
  SELECT array_agg(w ORDER BY o) INTO v_winner FROM (
    SELECT o, CASE WHEN k IS NULL THEN i ELSE last_value(i) OVER (
                PARTITION BY k ORDER BY o ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) END AS w
    FROM unnest(p_job_key, v_ids) WITH ORDINALITY AS u(k, i, o)) x;

  INSERT INTO tenantry.job_logs (id, tenant_id, task, queue, lane, payload, meta, source_type, source_id,
                                 max_attempts, priority, run_at, callback_url, status, finished_at, error_message)
  SELECT s.id, s.tenant_id, s.task, s.queue, 'tenant_' || s.tenant_id || '_' || s.queue, s.payload, s.meta,
         s.source_type, s.source_id, s.max_attempts, s.priority, s.run_at, s.callback_url,
         CASE WHEN s.winner = s.id THEN 'pending' ELSE 'cancelled' END,
         CASE WHEN s.winner = s.id THEN NULL ELSE now() END,
         CASE WHEN s.winner = s.id THEN NULL ELSE 'superseded by job log ' || s.winner END
  FROM unnest(v_ids, p_task, p_tenant, p_queue, p_payload, p_meta, p_source_type, p_source_id, p_run_at,
              p_priority, p_max_attempts, p_callback_url, v_winner)
    WITH ORDINALITY AS s(id, task, tenant_id, queue, payload, meta, source_type, source_id, run_at, priority,
                         max_attempts, callback_url, winner, ord)
  ORDER BY s.ord;

  INSERT INTO tenantry.lane_jobs (log_id, lane, priority, run_at, job_key)
  SELECT s.id, 'tenant_' || s.tenant_id || '_' || s.queue, s.priority, s.run_at, s.job_key
  FROM unnest(v_ids, p_tenant, p_queue, p_priority, p_run_at, p_job_key, v_winner)
    AS s(id, tenant_id, queue, priority, run_at, job_key, winner)
  WHERE s.winner = s.id;

  IF v_old_logs IS NOT NULL THEN
    UPDATE tenantry.job_logs l SET status = 'cancelled', finished_at = now(),
           error_message = 'superseded by job log ' || n.winner
    FROM unnest(v_old_logs, v_old_keys) AS o(log_id, job_key)
    JOIN (SELECT DISTINCT k, w FROM unnest(p_job_key, v_winner) AS u(k, w) WHERE k IS NOT NULL) n(job_key, winner)
      ON n.job_key = o.job_key
    WHERE l.id = o.log_id AND l.status IN ('pending', 'running');
  END IF;

  UPDATE tenantry.lanes l SET
    vtime = CASE WHEN l.due IS NULL THEN tenantry.busy_vtime(l.vtime, l.weight) ELSE l.vtime END,
    due = least(l.due, n.due)
  FROM (SELECT 'tenant_' || t || '_' || q AS lane, min(r) AS due
        FROM unnest(p_tenant, p_queue, p_run_at) AS u(t, q, r) GROUP BY 1) n
  WHERE l.name = n.lane;

  PERFORM tenantry.try_admit(0);
  RETURN QUERY SELECT s.id, s.tenant_id, s.queue, 'tenant_' || s.tenant_id || '_' || s.queue, s.run_at
    FROM unnest(v_ids, p_tenant, p_queue, p_run_at) WITH ORDINALITY AS s(id, tenant_id, queue, run_at, ord)
    ORDER BY s.ord;
END
$$;

-- One batch of job-log changes from a worker (JobLogWriter), with what they mean for the
-- queue, in one transaction:
-- * p_release: jobs over for good that graphile-worker must not handle again (permanent
--   failure, a laned job's last failure); deleted if this worker still holds them.
-- * p_requeue: a laned job's failed attempt, or a job held back at start (tenant suspended,
--   lane paused): removed from graphile-worker if this worker still holds it and put back in
--   its lane at run_at with the attempts made so far, so a retry never holds a slot while it
--   backs off.
-- * p_finish: laned jobs that ended (completed, failed, cancelled): their slots are freed.
-- Then an admission pass fills the freed slots. A cancelled row stays cancelled: a handler
-- that outlives its cancel cannot revive it.
CREATE FUNCTION record_job_outcomes(
  p_release_ids bigint[], p_release_workers text[],
  p_requeue_ids bigint[], p_requeue_workers text[], p_requeue_run_at timestamptz[], p_requeue_attempts smallint[],
  p_finish bigint[],
  p_ids bigint[], p_status text[], p_attempts integer[], p_started_at timestamptz[], p_progress smallint[],
  p_step text[], p_result jsonb[], p_error_message text[], p_error_stack text[], p_finished_at timestamptz[],
  p_duration_ms integer[], p_min_budget integer
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
  IF v_freed > 0 OR 'completed' = ANY(p_status) OR 'failed' = ANY(p_status) THEN
    PERFORM tenantry.try_admit(p_min_budget);
  END IF;
END
$$;

-- Cancel of a tenant job: a waiting job leaves its lane; an admitted one not yet taken by a
-- worker is removed from graphile-worker and frees its slot. Returns where the job was:
-- 'waiting', 'admitted', 'running' (a worker has it; the caller signals it) or 'none'.
CREATE FUNCTION withdraw_job(p_log_id bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_lane text;
  v_job bigint;
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
  IF EXISTS (SELECT 1 FROM graphile_worker.complete_jobs(ARRAY[v_job])) THEN
    PERFORM tenantry.finish_admitted(ARRAY[p_log_id]);
    RETURN 'admitted';
  END IF;
  RETURN 'running';
END
$$;

-- Retry by hand of a tenant job that ended: it waits in its lane again, attempts reset.
CREATE FUNCTION requeue_log(p_log_id bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_tenant text;
  v_queue text;
  v_priority integer;
  v_lane text;
BEGIN
  SELECT tenant_id, queue, priority INTO v_tenant, v_queue, v_priority FROM tenantry.job_logs WHERE id = p_log_id;
  v_lane := 'tenant_' || v_tenant || '_' || v_queue;
  PERFORM tenantry.ensure_lanes(ARRAY[v_tenant], ARRAY[v_queue]);
  PERFORM 1 FROM tenantry.lanes WHERE name = v_lane FOR UPDATE;
  INSERT INTO tenantry.lane_jobs (log_id, lane, priority, run_at) VALUES (p_log_id, v_lane, v_priority, now())
  ON CONFLICT (log_id) DO NOTHING;
  UPDATE tenantry.lanes SET
    vtime = CASE WHEN due IS NULL THEN tenantry.busy_vtime(vtime, weight) ELSE vtime END,
    due = least(due, now())
  WHERE name = v_lane;
  PERFORM tenantry.try_admit(0);
  RETURN v_lane;
END
$$;

-- Completion callbacks (0005) are tenant jobs like any other: the delivery job waits in the
-- tenant's `callbacks` lane, added in the same transaction as the terminal write.
CREATE OR REPLACE FUNCTION enqueue_job_callback() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.tenant_id IS NULL THEN RETURN NULL; END IF;
  PERFORM tenantry.enqueue_jobs(
    ARRAY['deliver-callback'], ARRAY[NEW.tenant_id], ARRAY['callbacks'],
    ARRAY[jsonb_build_object('job_log_id', NEW.id::text)], ARRAY['{}'::jsonb],
    ARRAY['job_log'], ARRAY[NEW.id::text], ARRAY[now()], ARRAY[0], ARRAY[10],
    ARRAY[NULL::text], ARRAY[NULL::text]);
  RETURN NULL;
END
$$;
