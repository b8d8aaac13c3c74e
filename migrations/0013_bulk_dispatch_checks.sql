-- Bulk dispatch. A dispatch of 1,000 tenant jobs spent about a third of its time in two
-- foreign keys checked row by row (a lookup and a row lock per job against tenants for
-- job_logs, and again against lanes for lane_jobs) and a sixth drawing log ids through
-- pg_get_serial_sequence() evaluated once per row. The same guarantees, checked once per
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

-- enqueue_jobs (0010) as before, drawing log ids from the sequence looked up once, skipping
-- the job-key winner pass when no spec has a key, and taking a NULL run_at as now() and a NULL
-- meta as {} (the common case, which then costs nothing to send and parse).
CREATE OR REPLACE FUNCTION enqueue_jobs(
  p_task text[], p_tenant text[], p_queue text[], p_payload jsonb[], p_meta jsonb[],
  p_source_type text[], p_source_id text[], p_run_at timestamptz[], p_priority integer[],
  p_max_attempts integer[], p_job_key text[], p_callback_url text[]
) RETURNS TABLE (id bigint, tenant_id text, queue text, lane text, run_at timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_lanes text[];
  v_keys text[];
  v_old_logs bigint[];
  v_old_keys text[];
  v_removed bigint[];
  v_ids bigint[];
  v_winner bigint[];
  v_seq regclass;
BEGIN
  IF array_position(p_run_at, NULL) IS NOT NULL THEN
    p_run_at := ARRAY(SELECT coalesce(r, now()) FROM unnest(p_run_at) WITH ORDINALITY AS u(r, o) ORDER BY o);
  END IF;
  PERFORM tenantry.ensure_lanes(p_tenant, p_queue);
  SELECT array_agg(DISTINCT 'tenant_' || t || '_' || q) INTO v_lanes FROM unnest(p_tenant, p_queue) AS u(t, q);
  PERFORM 1 FROM tenantry.lanes l WHERE l.name = ANY(v_lanes) ORDER BY l.name FOR UPDATE;

  SELECT array_agg(DISTINCT k) INTO v_keys FROM unnest(p_job_key) AS k WHERE k IS NOT NULL;
  IF v_keys IS NOT NULL THEN
    -- Admitted but not taken: complete_jobs removes only unlocked jobs.
    SELECT array_agg(c.id) INTO v_removed FROM graphile_worker.complete_jobs(ARRAY(
      SELECT j.job_id FROM tenantry.lane_jobs j WHERE j.job_key = ANY(v_keys) AND j.job_id IS NOT NULL)) c;
    SELECT array_agg(j.log_id), array_agg(j.job_key) INTO v_old_logs, v_old_keys FROM tenantry.lane_jobs j
    WHERE j.job_key = ANY(v_keys) AND (j.job_id IS NULL OR j.job_id = ANY(coalesce(v_removed, '{}')));
    PERFORM tenantry.finish_admitted(ARRAY(
      SELECT j.log_id FROM tenantry.lane_jobs j WHERE j.job_id = ANY(coalesce(v_removed, '{}'))));
    DELETE FROM tenantry.lane_jobs j WHERE j.job_key = ANY(v_keys) AND j.job_id IS NULL;
    -- Running ones keep going without their key.
    UPDATE tenantry.lane_jobs j SET job_key = NULL WHERE j.job_key = ANY(v_keys);
  END IF;

  -- Log ids drawn first; winner: the id of the last spec in this call with the same key.
  v_seq := pg_get_serial_sequence('tenantry.job_logs', 'id')::regclass;
  SELECT array_agg(nextval(v_seq) ORDER BY g) INTO v_ids FROM generate_series(1, cardinality(p_task)) AS g;
  IF v_keys IS NULL THEN
    v_winner := v_ids;
  ELSE
    SELECT array_agg(w ORDER BY o) INTO v_winner FROM (
      SELECT o, CASE WHEN k IS NULL THEN i ELSE last_value(i) OVER (
                  PARTITION BY k ORDER BY o ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) END AS w
      FROM unnest(p_job_key, v_ids) WITH ORDINALITY AS u(k, i, o)) x;
  END IF;

  INSERT INTO tenantry.job_logs (id, tenant_id, task, queue, lane, payload, meta, source_type, source_id,
                                 max_attempts, priority, run_at, callback_url, status, finished_at, error_message)
  SELECT s.id, s.tenant_id, s.task, s.queue, 'tenant_' || s.tenant_id || '_' || s.queue, s.payload,
         coalesce(s.meta, '{}'),
         s.source_type, s.source_id, s.max_attempts, s.priority, s.run_at, s.callback_url,
         CASE WHEN s.winner = s.id THEN 'pending' ELSE 'cancelled' END,
         CASE WHEN s.winner = s.id THEN NULL ELSE now() END,
         CASE WHEN s.winner = s.id THEN NULL ELSE 'superseded by job log ' || s.winner END
  FROM unnest(v_ids, p_task, p_tenant, p_queue, p_payload, p_meta, p_source_type, p_source_id, p_run_at,
              p_priority, p_max_attempts, p_callback_url, v_winner)
    WITH ORDINALITY AS s(id, task, tenant_id, queue, payload, meta, source_type, source_id, run_at, priority,
                         max_attempts, callback_url, winner, ord)
  ORDER BY s.ord;

  INSERT INTO tenantry.lane_jobs (log_id, lane, priority, run_at, job_key)
  SELECT s.id, 'tenant_' || s.tenant_id || '_' || s.queue, s.priority, s.run_at, s.job_key
  FROM unnest(v_ids, p_tenant, p_queue, p_priority, p_run_at, p_job_key, v_winner)
    AS s(id, tenant_id, queue, priority, run_at, job_key, winner)
  WHERE s.winner = s.id;

  IF v_old_logs IS NOT NULL THEN
    UPDATE tenantry.job_logs l SET status = 'cancelled', finished_at = now(),
           error_message = 'superseded by job log ' || n.winner
    FROM unnest(v_old_logs, v_old_keys) AS o(log_id, job_key)
    JOIN (SELECT DISTINCT k, w FROM unnest(p_job_key, v_winner) AS u(k, w) WHERE k IS NOT NULL) n(job_key, winner)
      ON n.job_key = o.job_key
    WHERE l.id = o.log_id AND l.status IN ('pending', 'running');
  END IF;

  UPDATE tenantry.lanes l SET
    vtime = CASE WHEN l.due IS NULL THEN tenantry.busy_vtime(l.vtime, l.weight) ELSE l.vtime END,
    due = least(l.due, n.due)
  FROM (SELECT 'tenant_' || t || '_' || q AS lane, min(r) AS due
        FROM unnest(p_tenant, p_queue, p_run_at) AS u(t, q, r) GROUP BY 1) n
  WHERE l.name = n.lane;

  PERFORM tenantry.try_admit(0);
  RETURN QUERY SELECT s.id, s.tenant_id, s.queue, 'tenant_' || s.tenant_id || '_' || s.queue, s.run_at
    FROM unnest(v_ids, p_tenant, p_queue, p_run_at) WITH ORDINALITY AS s(id, tenant_id, queue, run_at, ord)
    ORDER BY s.ord;
END
$$;

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
