-- try_admit (0015) returns at once when there is nothing to admit and nothing to fold.
--
-- Every outcome batch that completed a job runs an admission pass (record_job_outcomes): a
-- completion means the worker is taking jobs, so its queue may need topping up from the lanes.
-- With no lane ready (no waiting job of a runnable lane) and no release pending, that pass can
-- do nothing: admit() would still count the live workers' slots and graphile-worker's queued
-- jobs, take the admission turn, read the floor, try a fold and an empty pick, inside a
-- subtransaction. Central jobs (no tenant, no lane) paid that on every batch: in eight
-- alternating pairs of scratch drains of 50,000 central no-op jobs, the drain with this exit
-- was the faster one every time, by 4-39% (median ~14%; bench:jobs (d0) measures these jobs).
--
-- The two checks are what admit() itself needs to find work: its pick reads only lanes with
-- `due IS NOT NULL AND runnable` (the partial index lanes_ready_idx, probed here), and its fold
-- only pending releases. Both read in this statement's snapshot, as admit() would read them.
-- The subtransaction (the EXCEPTION block) is entered only when a pass runs.
CREATE OR REPLACE FUNCTION try_admit(p_min_budget integer DEFAULT 0, p_max integer DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM tenantry.lanes WHERE due IS NOT NULL AND runnable)
     AND NOT EXISTS (SELECT 1 FROM tenantry.lane_releases) THEN
    RETURN 0;
  END IF;
  BEGIN
    RETURN tenantry.admit(p_min_budget, p_max);
  EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'tenantry admission failed: % (%)', SQLERRM, SQLSTATE;
    RETURN 0;
  END;
END
$$;
