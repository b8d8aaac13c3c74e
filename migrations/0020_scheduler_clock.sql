-- Virtual time that does not fall back to zero when the cluster goes idle.
--
-- A lane that becomes busy starts at the smallest vtime of the busy lanes (busy_vtime, 0009),
-- so it is served next without banking credit. With no lane busy, vtime_floor() answered 0:
-- a lane that became busy then started near 0, while lanes that had run before kept their
-- vtime (hundreds or millions), and when they became busy again they were behind it by all
-- they had ever run. Seen in bench:jobs' isolation part: the noisy tenant's backlog is
-- dispatched first, into an idle cluster, and its lane started ~300 below the 100 tenants
-- dispatched after it, which had each run 300 jobs before: it got its whole cap ahead of
-- theirs for the whole run (twice a quiet tenant's starts). A new tenant on a cluster that
-- was idle for a moment would have done the same to every tenant with a history.
--
-- scheduler_clock keeps the floor last seen while some lane was busy; it only moves forward.
-- Each worker's admission tick advances it (advance_vclock(), a single row taken with SKIP
-- LOCKED, so ticks never wait on each other), and vtime_floor() falls back to it when no lane
-- is busy. A lane can still gain what the others progressed since the last tick (250 ms by
-- default) over them.
CREATE TABLE scheduler_clock (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  vfloor double precision NOT NULL DEFAULT 0
);
INSERT INTO scheduler_clock (vfloor)
SELECT coalesce((SELECT vtime FROM lanes WHERE due IS NOT NULL AND runnable ORDER BY vtime LIMIT 1), 0);

CREATE OR REPLACE FUNCTION vtime_floor() RETURNS double precision LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    (SELECT vtime FROM tenantry.lanes WHERE due IS NOT NULL AND runnable ORDER BY vtime LIMIT 1),
    (SELECT vfloor FROM tenantry.scheduler_clock),
    0)
$$;

-- The floor of the lanes that are busy or still have jobs in flight: a lane whose last jobs were
-- just admitted counts until they finish, so the clock reaches where the lanes stopped.
CREATE FUNCTION advance_vclock() RETURNS void LANGUAGE sql AS $$
  UPDATE tenantry.scheduler_clock c SET vfloor = f.v
  FROM (SELECT min(vtime) AS v FROM tenantry.lanes WHERE (due IS NOT NULL AND runnable) OR inflight > 0) f
  WHERE f.v > c.vfloor AND c.id IN (SELECT id FROM tenantry.scheduler_clock FOR UPDATE SKIP LOCKED)
$$;
