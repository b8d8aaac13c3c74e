-- A central job a shutdown stopped runs again with that attempt not counted, as a tenant job
-- does (0010's requeue).
--
-- The worker writes the job's log back to pending with its attempts one lower, then fails the
-- job in graphile-worker, which counts the attempt (its row is the worker's, locked, until that
-- write; no public function touches a locked job). On its last attempt that failed it for
-- good: a one-attempt backup met by a deploy at 02:00 was lost for the night. Here, once the
-- job is unlocked, graphile-worker's public reschedule_jobs() sets its attempts back to the
-- log's and makes it due now. The sign is a central log that is pending with fewer attempts
-- than its job: every other path writes the log's attempts equal to the job's (a retry after
-- a failure) or finishes the log. Run by the reconcile (src/worker/admission-tick.ts).
CREATE FUNCTION revive_shutdown_central_jobs() RETURNS TABLE (log_id bigint, job_id bigint, attempts integer)
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  FOR r IN
    -- From graphile-worker's side: its unlocked jobs that have failed an attempt are few (the
    -- admitted tenant jobs waiting have none), central logs are many (every crontab run).
    SELECT l.id AS log_id, j.id AS job_id, l.attempts AS attempts
    FROM graphile_worker.jobs j
    JOIN tenantry.job_logs l ON l.job_id = j.id
    WHERE j.locked_at IS NULL AND j.attempts > 0
      AND l.tenant_id IS NULL AND l.status = 'pending' AND j.attempts > l.attempts
    ORDER BY j.id
    LIMIT 1000
  LOOP
    PERFORM graphile_worker.reschedule_jobs(ARRAY[r.job_id], now(), NULL, r.attempts, NULL);
    log_id := r.log_id;
    job_id := r.job_id;
    attempts := r.attempts;
    RETURN NEXT;
  END LOOP;
END
$$;
