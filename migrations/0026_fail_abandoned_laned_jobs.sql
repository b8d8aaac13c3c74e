-- A safety net for laned jobs graphile-worker holds as failed for good, run with each worker's
-- reconcile.
--
-- A worker writes every outcome of a laned job itself (a retry goes back to its lane, a last
-- failure is recorded and the job removed with its log's write), and graphile-worker hears
-- only of success. Should the task function throw all the same (its outcome could not be
-- written: the job-log backlog full through a long outage; a fault of ours), graphile-worker
-- retries it while it has attempts left and then keeps it, failed for good, unlocked, where no
-- worker fetches it: its log stayed open and its lane counted it in flight for ever (the count
-- agreed with the admitted row, so reconcile_lanes() saw nothing). Such a job has used its
-- last attempt (graphile-worker's max_attempts is what its log had left at admission), so it
-- ends here as graphile-worker ended it: its log failed with graphile-worker's last error, the
-- job removed (complete_jobs: it is not locked), its lane's slot freed. A job removed by
-- another worker's reconcile meanwhile is left to that one. Returns the logs it failed.
CREATE FUNCTION fail_abandoned_laned() RETURNS TABLE (log_id bigint, lane text, last_error text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_jobs bigint[];
  v_logs bigint[];
  v_lanes text[];
  v_errors text[];
BEGIN
  SELECT array_agg(g.id) INTO v_jobs FROM graphile_worker.jobs g
  JOIN tenantry.lane_jobs w ON w.job_id = g.id
  JOIN tenantry.job_logs l ON l.id = w.log_id
  WHERE g.attempts >= g.max_attempts AND g.locked_at IS NULL AND l.status IN ('pending', 'running');
  IF v_jobs IS NULL THEN RETURN; END IF;

  WITH removed AS (
    SELECT c.id, c.attempts, c.last_error FROM graphile_worker.complete_jobs(v_jobs) c
  ), failed AS (
    UPDATE tenantry.job_logs l SET
      status = 'failed', finished_at = now(), attempts = greatest(l.attempts, w.attempts + r.attempts),
      error_message = coalesce(r.last_error, 'the worker could not record the outcome'),
      step = 'failed; the worker could not record the outcome'
    FROM tenantry.lane_jobs w, removed r
    WHERE w.job_id = r.id AND l.id = w.log_id AND l.status IN ('pending', 'running')
    RETURNING l.id, w.lane, l.error_message
  )
  SELECT array_agg(f.id), array_agg(f.lane), array_agg(f.error_message) INTO v_logs, v_lanes, v_errors
  FROM failed f;
  IF v_logs IS NULL THEN RETURN; END IF;
  PERFORM tenantry.finish_admitted(v_logs);
  PERFORM pg_notify('tenantry_job_logs', array_to_string(v_logs, ','));
  RETURN QUERY SELECT * FROM unnest(v_logs, v_lanes, v_errors);
END
$$;
