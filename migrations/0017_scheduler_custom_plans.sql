-- Two scheduler statements whose plans, made on a queue table's statistics, compared every row
-- of one batch with every row of another.

-- fold_releases (0014) deleted the folded lanes' releases with a join that the planner, on a
-- queue table's statistics (a few rows when last analysed), ran as a nested loop comparing
-- every release with every free lane: 120 lanes and 120 releases a pass made 14,400
-- comparisons, three quarters of the fold's time and ~10% of a busy pass. The free lanes are
-- now collected first (their locks taken in a statement of their own, as admission does) and
-- the releases matched against that array, with custom plans: the planner sees the array, so
-- it hashes it (or looks each lane up in lane_releases_lane_idx) instead of guessing its size.
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
    DELETE FROM tenantry.lane_releases r WHERE r.lane = ANY(v_free) RETURNING r.lane, r.n, r.charge
  )
  UPDATE tenantry.lanes l SET inflight = l.inflight - f.n, vtime = l.vtime + f.charge / l.weight
  FROM (SELECT lane, sum(n)::integer AS n, sum(charge) AS charge FROM folded GROUP BY lane) f
  WHERE l.name = f.lane;
END
$$;

-- finish_admitted (0009) found the finished jobs' lane rows by scanning every admitted row of
-- lane_jobs_admitted_lane_idx and searching the id array for each (360 rows x 160 ids a
-- batch): with the array known to the planner, the search is hashed.
ALTER FUNCTION finish_admitted(bigint[]) SET plan_cache_mode = force_custom_plan;
