-- admit() of 0036 ran the pass over every lane while only limited workers were live.
--
-- With no worker taking everything, v_open is 0 and v_all is not counted (0), so the open
-- room came out as v_taken, the limited workers' own admitted jobs still waiting: whenever a
-- `--tenant acme` worker had a backlog, every tick admitted that many jobs of lanes no live
-- worker takes (what 0035 had stopped), and charged rate-limited tenants for starts that could
-- not happen. The open pass now runs only with a worker that takes everything live. admit_pass
-- is unchanged.
CREATE OR REPLACE FUNCTION admit(p_min_budget integer DEFAULT 0, p_max integer DEFAULT NULL) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  -- Slots of the live workers taking everything, and of those taking some tenants or queues.
  v_open integer;
  v_limited integer;
  -- Available jobs: all (up to both rooms), and those a limited worker takes (up to its room).
  v_all integer := 0;
  v_taken integer := 0;
  v_n integer := 0;
BEGIN
  SELECT coalesce(sum(admission_slots) FILTER (WHERE tenants IS NULL AND queues IS NULL), 0)::integer,
         coalesce(sum(admission_slots) FILTER (WHERE tenants IS NOT NULL OR queues IS NOT NULL), 0)::integer
    INTO v_open, v_limited
    FROM tenantry.workers WHERE last_seen_at > now() - interval '1 minute';
  -- A worker not yet heard from passes its own slots: counted as taking everything.
  v_open := greatest(v_open, p_min_budget - v_limited);
  -- Jobs graphile-worker could hand out now (its partial index on is_available: no view, no
  -- join; graphile-private.ts lists this use). The ORDER BY matches that index, so even with
  -- stale statistics (a young, churning table) each count reads at most its room's entries.
  IF v_limited > 0 THEN
    -- Only jobs a limited worker takes hold its room (by graphile-worker's flags): those
    -- admitted for others wait for a worker that takes them.
    v_taken := (SELECT count(*) FROM (
      SELECT 1 FROM graphile_worker._private_jobs j
      WHERE j.is_available = true AND j.run_at <= now()
        AND EXISTS (
          SELECT 1 FROM tenantry.workers w WHERE w.last_seen_at > now() - interval '1 minute'
            AND (w.tenants IS NOT NULL OR w.queues IS NOT NULL)
            AND (w.tenants IS NULL OR j.flags ?| ARRAY(SELECT 't:' || t FROM unnest(w.tenants) t))
            AND (w.queues IS NULL OR j.flags ?| ARRAY(SELECT 'q:' || q FROM unnest(w.queues) q)))
      ORDER BY j.priority, j.run_at LIMIT v_limited) q)::integer;
  END IF;
  IF v_open > 0 THEN
    v_all := (SELECT count(*) FROM (
      SELECT 1 FROM graphile_worker._private_jobs
      WHERE is_available = true AND run_at <= now() ORDER BY priority, run_at LIMIT v_open + v_limited) q)::integer;
  END IF;
  IF v_limited - v_taken > 0 THEN
    v_n := tenantry.admit_pass(v_limited - v_taken, true, p_max);
  END IF;
  -- What the limited room holds is not the open room's; the rest of the available jobs are.
  -- No open room without a worker that takes everything: v_all is not counted then, and the
  -- difference would be the limited workers' own waiting jobs, taken for room over every lane.
  IF v_open > 0 AND v_open - (v_all - v_taken) > 0 AND (p_max IS NULL OR v_n < p_max) THEN
    v_n := v_n + tenantry.admit_pass(v_open - (v_all - v_taken), false, p_max - v_n);
  END IF;
  RETURN v_n;
END
$$;
