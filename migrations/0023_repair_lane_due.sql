-- A safety net for the lanes' due times, run with each worker's reconcile.
--
-- A lane with a waiting job must be due no later than that job's run_at, or no admission pass
-- would pick it again and the job would wait until something else (a dispatch, a release) woke
-- its lane. Admission keeps this (migrations/0021: it keeps a lane due while it leaves one of
-- its due jobs waiting, and otherwise takes the next due time from its deferred jobs); a job put
-- back without the lane's lock carries its due time in its release (0019), which the next fold
-- applies. repair_lane_due() checks it over every lane with waiting jobs, counting unfolded
-- releases as applied, sets what is off and returns it, so drift shows in the worker's log
-- instead of as jobs that never start. One scan of the waiting jobs (lane_jobs_next_idx carries
-- run_at) every RECONCILE_INTERVAL_MS.
CREATE FUNCTION repair_lane_due() RETURNS TABLE (lane text, due timestamptz, earliest timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_off text[];
  v_locked text[];
BEGIN
  SELECT array_agg(o.name) INTO v_off FROM (
    SELECT l.name FROM tenantry.lanes l
    JOIN (SELECT j.lane, min(j.run_at) AS earliest FROM tenantry.lane_jobs j WHERE j.job_id IS NULL
          GROUP BY j.lane) w ON w.lane = l.name
    WHERE coalesce(least(l.due, (SELECT min(r.due) FROM tenantry.lane_releases r WHERE r.lane = l.name)),
                   'infinity') > w.earliest
  ) o;
  IF v_off IS NULL THEN RETURN; END IF;
  -- Checked again under the lanes' locks (a pass holding one is left to that pass and the next
  -- reconcile): this statement's snapshot comes after them.
  SELECT array_agg(k.name) INTO v_locked FROM (
    SELECT l.name FROM tenantry.lanes l WHERE l.name = ANY(v_off) ORDER BY l.name FOR UPDATE SKIP LOCKED) k;
  IF v_locked IS NULL THEN RETURN; END IF;
  RETURN QUERY
    WITH off AS (
      SELECT l.name, l.due, w.earliest FROM tenantry.lanes l
      CROSS JOIN LATERAL (SELECT min(j.run_at) AS earliest FROM tenantry.lane_jobs j
                          WHERE j.lane = l.name AND j.job_id IS NULL) w
      WHERE l.name = ANY(v_locked) AND w.earliest IS NOT NULL
        AND coalesce(least(l.due, (SELECT min(r.due) FROM tenantry.lane_releases r WHERE r.lane = l.name)),
                     'infinity') > w.earliest
    ), fixed AS (
      UPDATE tenantry.lanes l SET due = off.earliest,
             vtime = CASE WHEN l.due IS NULL THEN tenantry.busy_vtime(l.vtime, l.weight) ELSE l.vtime END
      FROM off WHERE l.name = off.name
      RETURNING l.name, off.due, off.earliest
    )
    SELECT name, due, earliest FROM fixed ORDER BY name;
END
$$;
