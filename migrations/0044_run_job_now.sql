-- Run a waiting tenant job now: a delayed job, or one backing off before its next attempt.
--
-- The job keeps its place in its lane's order (priority, then dispatch order), its job key and
-- its attempts; only its start time moves. It becomes a job due from the moment it is visible
-- (not `deferred`, 0021), and its lane becomes due now, as a dispatch into it makes it (0021's
-- enqueue_job_batch; its virtual time is raised to the busy floor only if nothing of it was
-- waiting at all). Admission decides when it starts, as for any due job: a paused, suspended or
-- rate-limited tenant's job stays waiting, now due.
--
-- Locks: the job's log row (taken by the caller), then its lane, the order a cancel takes them
-- (withdraw_job). A dispatch replacing the same job through its job key takes them the other
-- way round; PostgreSQL ends such a deadlock, the dispatch is retried and the run-now answered
-- 503 with Retry-After.
--
-- Returns 'waiting' when the job was moved, 'admitted' when it was already admitted (it starts
-- as soon as a worker takes it), 'none' when it is in no lane (running, or ended meanwhile).
CREATE FUNCTION run_job_now(p_log_id bigint) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_lane text;
BEGIN
  SELECT lane INTO v_lane FROM tenantry.lane_jobs WHERE log_id = p_log_id;
  IF NOT FOUND THEN RETURN 'none'; END IF;
  -- The lane row first, as admission and withdraw_job lock it: then the job row cannot be
  -- admitted between the check below and the update.
  PERFORM 1 FROM tenantry.lanes WHERE name = v_lane FOR UPDATE;
  PERFORM 1 FROM tenantry.lane_jobs WHERE log_id = p_log_id AND job_id IS NOT NULL;
  IF FOUND THEN RETURN 'admitted'; END IF;
  UPDATE tenantry.lane_jobs SET run_at = least(run_at, now()), deferred = false
  WHERE log_id = p_log_id AND job_id IS NULL;
  IF NOT FOUND THEN RETURN 'none'; END IF;
  UPDATE tenantry.lanes SET
    vtime = CASE WHEN due IS NULL THEN tenantry.busy_vtime(vtime, weight) ELSE vtime END,
    due = least(due, now())
  WHERE name = v_lane AND (due IS NULL OR due > now());
  PERFORM tenantry.try_admit(0, 1);
  RETURN 'waiting';
END
$$;
