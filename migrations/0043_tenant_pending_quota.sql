-- A bound on the jobs a tenant may have waiting (TENANT_MAX_PENDING_JOBS).
--
-- Dispatches were bounded per request (1,000 jobs) and not at all over requests, and a job may be
-- delayed ten years: one tenant could fill the disk every tenant shares. Now a dispatch from
-- outside (the API, the CLI) that would take a tenant past its bound of waiting jobs is refused
-- (429, retry later) before anything is written.
--
-- Counting a tenant's waiting jobs at every dispatch would cost a scan of its backlog each time,
-- and a counter kept by every path that starts, cancels or ends a job would put one hot row per
-- tenant on the scheduler's every pass. So each tenant has an upper bound instead: the count
-- taken at most 10 s ago plus the jobs reserved by dispatches since. Jobs that started or ended
-- since are still in it, so it errs high, and a dispatch it would refuse counts again first (at
-- most once a second, so a client retrying in a loop against a full backlog does not make every
-- request a count). A count reads at most bound + 1 index entries. It is soft by the dispatches
-- in flight: a count taken while some have reserved and not yet committed does not see their
-- jobs, so concurrent requests may pass the bound by what they carry (at most 1,000 jobs each),
-- once; the next count sees them. A dispatch with a job key counts as a new job even when it
-- replaces one.
--
-- Reserved in its own statement before the dispatch's transaction: the row locks are held for
-- this statement only, never across a request. A dispatch that then fails (bad input the
-- database refuses, a rollback) leaves its reservation in the bound until the next count.
CREATE TABLE tenant_backlogs (
  tenant_id  text PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  pending    bigint NOT NULL,
  counted_at timestamptz NOT NULL
);

-- Jobs waiting in a tenant's lanes (delayed, due, or waiting for a retry; not admitted), never
-- more than p_max + 1 of them. Lane by lane (LATERAL), through lane_jobs_next_idx: as a plain
-- join, the generic plan a function gets hashed the tenant's lanes against a scan of every
-- tenant's waiting jobs (13 ms at 100,000 of another tenant's, for a tenant with one job).
CREATE FUNCTION count_waiting_jobs(p_tenant text, p_max bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT count(*) FROM (
    SELECT 1 FROM tenantry.lanes l
      CROSS JOIN LATERAL (
        SELECT 1 FROM tenantry.lane_jobs j WHERE j.lane = l.name AND j.job_id IS NULL LIMIT p_max + 1) w
     WHERE l.tenant_id = p_tenant
     LIMIT p_max + 1) s
$$;

-- Reserves p_counts[i] waiting jobs for tenant p_tenants[i] (a tenant may repeat), all or none.
-- Returns the first tenant the reservation would take past p_max, with its waiting jobs, and
-- reserves nothing; no row when all fit. Unknown tenants are skipped (the dispatch reports them).
-- Rows are locked in tenant order, so concurrent dispatches over several tenants cannot deadlock.
CREATE FUNCTION reserve_pending_jobs(p_tenants text[], p_counts integer[], p_max bigint)
RETURNS TABLE (over_tenant text, over_pending bigint) LANGUAGE plpgsql AS $$
DECLARE
  v_tenants text[];
  v_counts bigint[];
  v_pending bigint;
  v_counted timestamptz;
  i integer;
BEGIN
  SELECT array_agg(w.t ORDER BY w.t), array_agg(w.n ORDER BY w.t) INTO v_tenants, v_counts
    FROM (SELECT u.t, sum(u.n)::bigint AS n FROM unnest(p_tenants, p_counts) AS u(t, n)
           WHERE EXISTS (SELECT 1 FROM tenantry.tenants x WHERE x.id = u.t)
           GROUP BY u.t) w;
  IF v_tenants IS NULL THEN RETURN; END IF;
  INSERT INTO tenantry.tenant_backlogs (tenant_id, pending, counted_at)
    SELECT t, 0, '-infinity' FROM unnest(v_tenants) AS t
    ON CONFLICT DO NOTHING;
  FOR i IN 1 .. array_length(v_tenants, 1) LOOP
    SELECT b.pending, b.counted_at INTO v_pending, v_counted
      FROM tenantry.tenant_backlogs b WHERE b.tenant_id = v_tenants[i] FOR UPDATE;
    IF v_counted < now() - interval '10 seconds'
       OR (v_pending + v_counts[i] > p_max AND v_counted < now() - interval '1 second') THEN
      v_pending := tenantry.count_waiting_jobs(v_tenants[i], p_max);
      UPDATE tenantry.tenant_backlogs b SET pending = v_pending, counted_at = now()
       WHERE b.tenant_id = v_tenants[i];
    END IF;
    IF v_pending + v_counts[i] > p_max THEN
      over_tenant := v_tenants[i];
      over_pending := v_pending;
      EXIT;
    END IF;
  END LOOP;
  -- Over the bound: report the first tenant and reserve nothing (the counts taken stay).
  IF over_tenant IS NOT NULL THEN
    RETURN NEXT;
    RETURN;
  END IF;
  UPDATE tenantry.tenant_backlogs b SET pending = b.pending + w.n
    FROM unnest(v_tenants, v_counts) AS w(t, n) WHERE b.tenant_id = w.t;
END
$$;
