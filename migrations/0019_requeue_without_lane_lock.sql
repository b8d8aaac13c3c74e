-- A failed attempt's retry goes back to its lane without waiting for the lane's lock.
--
-- requeue_admitted (0009) locked the lanes of the jobs it put back (FOR UPDATE, waiting) to
-- lower their inflight and due time at once. It runs inside a worker's outcome batch, so a
-- batch holding one failed attempt waited for whichever admission pass held that lane, and
-- every other job of the batch (their releases, their slots' next admission) waited with it:
-- the other flight's pass. Measured with one tenant whose every job throws beside 100 busy
-- ones: row-lock waits (Lock:transactionid) only in those runs, and the others' throughput at
-- 0.84-0.96x of the run without it.
--
-- Now it does what finishing a job does: the job's lane row goes back to waiting and a release
-- is recorded for admission to fold, carrying the earliest run_at of the jobs put back, which
-- the fold applies to the lane's due time (least, as requeue_admitted did). Until then the
-- lane counts the job as in flight (never more than its cap) and may not know it is due (the
-- next pass that folds it does). Idempotent as before: a job no longer admitted under that id
-- is not put back or released twice.
ALTER TABLE lane_releases ADD COLUMN due timestamptz;

CREATE OR REPLACE FUNCTION requeue_admitted(p_job_ids bigint[], p_run_at timestamptz[], p_attempts smallint[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_n integer;
BEGIN
  IF coalesce(cardinality(p_job_ids), 0) = 0 THEN RETURN 0; END IF;
  WITH back AS (
    UPDATE tenantry.lane_jobs j SET job_id = NULL,
           run_at = coalesce(r.run_at, j.run_at), attempts = coalesce(r.attempts, j.attempts)
    FROM unnest(p_job_ids, coalesce(p_run_at, '{}'), coalesce(p_attempts, '{}')) AS r(job_id, run_at, attempts)
    WHERE j.job_id = r.job_id
    RETURNING j.lane, j.run_at
  ), released AS (
    INSERT INTO tenantry.lane_releases (lane, n, due)
    SELECT lane, count(*), min(run_at) FROM back GROUP BY lane
    RETURNING n
  )
  SELECT coalesce(sum(n), 0)::integer INTO v_n FROM released;
  RETURN v_n;
END
$$;

-- fold_releases (0017) applying the due time a release carries.
CREATE OR REPLACE FUNCTION fold_releases() RETURNS void LANGUAGE plpgsql
SET plan_cache_mode = force_custom_plan AS $$
DECLARE
  v_lanes text[];
  v_free text[];
BEGIN
  SELECT array_agg(DISTINCT lane) INTO v_lanes FROM tenantry.lane_releases;
  IF v_lanes IS NULL THEN RETURN; END IF;
  -- Lanes an admission pass holds are skipped: that pass or a later one folds them.
  SELECT array_agg(f.name) INTO v_free FROM (
    SELECT l.name FROM tenantry.lanes l WHERE l.name = ANY(v_lanes) ORDER BY l.name FOR UPDATE SKIP LOCKED) f;
  IF v_free IS NULL THEN RETURN; END IF;
  -- This statement's snapshot comes after the locks: releases recorded since stay for the next fold.
  WITH folded AS (
    DELETE FROM tenantry.lane_releases r WHERE r.lane = ANY(v_free) RETURNING r.lane, r.n, r.charge, r.due
  )
  UPDATE tenantry.lanes l SET inflight = l.inflight - f.n, vtime = l.vtime + f.charge / l.weight,
         due = least(l.due, f.due)
  FROM (SELECT lane, sum(n)::integer AS n, sum(charge) AS charge, min(due) AS due FROM folded GROUP BY lane) f
  WHERE l.name = f.lane;
END
$$;
