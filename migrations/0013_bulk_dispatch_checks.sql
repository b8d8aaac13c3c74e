-- Bulk dispatch. A dispatch of 1,000 tenant jobs spent about a third of its time in two
-- foreign keys checked row by row (a lookup and a row lock per job against tenants for
-- job_logs, and again against lanes for lane_jobs) and a sixth drawing log ids through
-- pg_get_serial_sequence() evaluated once per row (enqueue_jobs() is redefined with that and
-- the other dispatch changes once, in 0015). The same guarantees, checked once per
-- statement: the distinct tenants (or lanes) a statement refers to are locked FOR KEY SHARE,
-- as the foreign key would lock them, so none can be deleted under a dispatch in progress,
-- and a missing one fails the statement with the same error (23503) under the old name.

ALTER TABLE job_logs DROP CONSTRAINT job_logs_tenant_id_fkey;
ALTER TABLE lane_jobs DROP CONSTRAINT lane_jobs_lane_fkey;

CREATE FUNCTION job_logs_check_tenants() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_wanted text[];
  v_found text[];
  v_missing text;
BEGIN
  SELECT array_agg(DISTINCT a.tenant_id) INTO v_wanted FROM added a WHERE a.tenant_id IS NOT NULL;
  IF v_wanted IS NULL THEN RETURN NULL; END IF;
  SELECT array_agg(t.id) INTO v_found FROM (
    SELECT t.id FROM tenantry.tenants t WHERE t.id = ANY(v_wanted) FOR KEY SHARE OF t) t;
  IF cardinality(v_found) IS DISTINCT FROM cardinality(v_wanted) THEN
    SELECT w INTO v_missing FROM unnest(v_wanted) AS w WHERE w <> ALL(coalesce(v_found, '{}')) LIMIT 1;
    RAISE EXCEPTION 'tenant % does not exist', v_missing USING
      ERRCODE = 'foreign_key_violation', SCHEMA = 'tenantry', TABLE = 'job_logs',
      CONSTRAINT = 'job_logs_tenant_id_fkey';
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER job_logs_tenants_exist
  AFTER INSERT ON job_logs REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION job_logs_check_tenants();

CREATE FUNCTION lane_jobs_check_lanes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_wanted text[];
  v_found text[];
  v_missing text;
BEGIN
  SELECT array_agg(DISTINCT a.lane) INTO v_wanted FROM added a;
  IF v_wanted IS NULL THEN RETURN NULL; END IF;
  SELECT array_agg(l.name) INTO v_found FROM (
    SELECT l.name FROM tenantry.lanes l WHERE l.name = ANY(v_wanted) FOR KEY SHARE OF l) l;
  IF cardinality(v_found) IS DISTINCT FROM cardinality(v_wanted) THEN
    SELECT w INTO v_missing FROM unnest(v_wanted) AS w WHERE w <> ALL(coalesce(v_found, '{}')) LIMIT 1;
    RAISE EXCEPTION 'lane % does not exist', v_missing USING
      ERRCODE = 'foreign_key_violation', SCHEMA = 'tenantry', TABLE = 'lane_jobs',
      CONSTRAINT = 'lane_jobs_lane_fkey';
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER lane_jobs_lanes_exist
  AFTER INSERT ON lane_jobs REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION lane_jobs_check_lanes();

-- Neither key ever changes; refuse a change rather than check it.
CREATE FUNCTION refuse_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%.% does not change', TG_TABLE_NAME, TG_ARGV[0] USING ERRCODE = 'foreign_key_violation';
END
$$;

CREATE TRIGGER job_logs_tenant_fixed
  BEFORE UPDATE OF tenant_id ON job_logs
  FOR EACH ROW WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
  EXECUTE FUNCTION refuse_key_change('tenant_id');

CREATE TRIGGER lane_jobs_lane_fixed
  BEFORE UPDATE OF lane ON lane_jobs
  FOR EACH ROW WHEN (OLD.lane IS DISTINCT FROM NEW.lane)
  EXECUTE FUNCTION refuse_key_change('lane');

-- ON DELETE CASCADE, once per statement.
CREATE FUNCTION tenants_delete_job_logs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM tenantry.job_logs l USING gone g WHERE l.tenant_id = g.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER tenants_cascade_job_logs
  AFTER DELETE ON tenants REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION tenants_delete_job_logs();

CREATE FUNCTION lanes_delete_lane_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM tenantry.lane_jobs j USING gone g WHERE j.lane = g.name;
  -- Releases (and slot-time charges) never folded into a lane that is gone.
  DELETE FROM tenantry.lane_releases r USING gone g WHERE r.lane = g.name;
  RETURN NULL;
END
$$;

CREATE TRIGGER lanes_cascade_lane_jobs
  AFTER DELETE ON lanes REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION lanes_delete_lane_jobs();

-- ensure_lanes (0009) in PL/pgSQL, so its plan is kept between calls (an SQL function's is
-- made again on every call), and returning at once when every lane exists.
CREATE OR REPLACE FUNCTION ensure_lanes(p_tenants text[], p_queues text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM (SELECT DISTINCT 'tenant_' || t || '_' || q FROM unnest(p_tenants, p_queues) AS u(t, q)
                   WHERE t IS NOT NULL) AS p(name)
    WHERE NOT EXISTS (SELECT 1 FROM tenantry.lanes l WHERE l.name = p.name)) THEN
    RETURN;
  END IF;
  INSERT INTO tenantry.lanes (name, tenant_id, queue, cap, weight, rate_limit, rate_period_ms, paused, runnable, vtime)
  SELECT p.name, p.tenant_id, p.queue, s.cap, s.weight, s.rate_limit, s.rate_period_ms,
         s.paused OR p.queue = ANY(s.paused_queues),
         s.status = 'active' AND NOT (s.paused OR p.queue = ANY(s.paused_queues)), tenantry.busy_vtime('-infinity', s.weight)
  FROM (SELECT DISTINCT 'tenant_' || t || '_' || q, t, q FROM unnest(p_tenants, p_queues) AS u(t, q)
        WHERE t IS NOT NULL) AS p(name, tenant_id, queue)
  JOIN tenantry.tenant_scheduling s ON s.tenant_id = p.tenant_id
  WHERE NOT EXISTS (SELECT 1 FROM tenantry.lanes l WHERE l.name = p.name)
  ORDER BY p.name
  ON CONFLICT (name) DO NOTHING;
END
$$;

-- job_logs.job_id is set only for central jobs (a tenant job's graphile-worker id lives in
-- lane_jobs while it is admitted), and is only ever looked up by value: NULLs need no entry.
DROP INDEX job_logs_job_idx;
CREATE INDEX job_logs_job_idx ON job_logs (job_id) WHERE job_id IS NOT NULL;
