-- Only deferred waiting jobs in the run_at index.
--
-- lane_jobs_due_idx (lane, run_at) held every waiting job, so that admission could find a
-- lane's earliest waiting job once it had admitted the due ones. Most jobs are dispatched to
-- run at once: for them the entry was pure cost, a third index entry per dispatched job beside
-- the primary key and lane_jobs_next_idx (the lane_jobs insert of a 1,000-job dispatch: ~8 ms,
-- ~3.5 ms without it). A dispatch of 1,000 tenant jobs went from 0.44-0.47x add_jobs to
-- 0.51-0.53x in alternating runs of 100 calls each.
--
-- A waiting job is `deferred` when it was put in its lane to start later than the moment it was
-- written (a delayed dispatch, a retry's backoff); any other waiting job has run_at no later
-- than its writer's now(), so it is due from the moment it is visible, and stays due. The index
-- now holds deferred jobs only. Admission needs no index for the others: it reads a lane's due
-- jobs in order (lane_jobs_next_idx) and knows whether it left one of them waiting (`more`);
-- when it did not, what still waits is deferred and the index gives the lane's next due time.
-- Queue stats (ready, scheduled, oldest ready per lane) read the old index alone; they now read
-- lane_jobs_next_idx, which carries run_at for them (INCLUDE: no extra index entry). At 100,000
-- waiting jobs over 1,000 lanes: 11 ms before, 59-69 ms through the lane index without run_at
-- (a heap visit per job), 13-15 ms with it.

ALTER TABLE lane_jobs ADD COLUMN deferred boolean NOT NULL DEFAULT false;
UPDATE lane_jobs SET deferred = true WHERE job_id IS NULL AND run_at > now();
DROP INDEX lane_jobs_due_idx;
CREATE INDEX lane_jobs_deferred_idx ON lane_jobs (lane, run_at) WHERE job_id IS NULL AND deferred;
DROP INDEX lane_jobs_next_idx;
CREATE INDEX lane_jobs_next_idx ON lane_jobs (lane, priority, log_id) INCLUDE (run_at) WHERE job_id IS NULL;

-- enqueue_job_batch (0018): rows written deferred when they are not due yet.
CREATE OR REPLACE FUNCTION enqueue_job_batch(
  p_task text[], p_tenant text[], p_queue text[], p_payloads jsonb, p_metas jsonb,
  p_source_type text[], p_source_id text[], p_run_at timestamptz[], p_priority integer[],
  p_max_attempts integer[], p_job_key text[], p_callback_url text[]
) RETURNS TABLE (ids bigint[], dispatched_at timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_n integer := cardinality(p_task);
  v_lanes text[];
  v_lane_tenants text[];
  v_lane_queues text[];
  v_lane_due timestamptz[];
  v_keys text[];
  v_old_logs bigint[];
  v_old_keys text[];
  v_removed bigint[];
  v_ids bigint[];
  v_winner bigint[];
  v_seq regclass;
BEGIN
  IF jsonb_typeof(p_payloads) IS DISTINCT FROM 'array' OR jsonb_array_length(p_payloads) <> v_n
     OR (p_metas IS NOT NULL AND (jsonb_typeof(p_metas) <> 'array' OR jsonb_array_length(p_metas) <> v_n)) THEN
    RAISE EXCEPTION 'enqueue_job_batch: payloads and metas must be JSON arrays of % elements', v_n
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  SELECT array_agg(l.lane ORDER BY l.lane), array_agg(l.t ORDER BY l.lane), array_agg(l.q ORDER BY l.lane),
         array_agg(l.due ORDER BY l.lane)
  INTO v_lanes, v_lane_tenants, v_lane_queues, v_lane_due
  FROM (SELECT 'tenant_' || u.t || '_' || u.q AS lane, u.t, u.q, min(coalesce(u.r, now())) AS due
        FROM unnest(p_tenant, p_queue, p_run_at) AS u(t, q, r) GROUP BY 1, 2, 3) l;
  PERFORM tenantry.ensure_lanes(v_lane_tenants, v_lane_queues);
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
  SELECT array_agg(nextval(v_seq) ORDER BY g) INTO v_ids FROM generate_series(1, v_n) AS g;
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
         coalesce(s.meta, '{}'), s.source_type, s.source_id, s.max_attempts, coalesce(s.priority, 0),
         coalesce(s.run_at, now()), s.callback_url,
         CASE WHEN s.winner = s.id THEN 'pending' ELSE 'cancelled' END,
         CASE WHEN s.winner = s.id THEN NULL ELSE now() END,
         CASE WHEN s.winner = s.id THEN NULL ELSE 'superseded by job log ' || s.winner END
  FROM ROWS FROM (
         unnest(v_ids, p_task, p_tenant, p_queue, p_source_type, p_source_id, p_run_at, p_priority,
                p_max_attempts, p_callback_url, v_winner),
         jsonb_array_elements(p_payloads), jsonb_array_elements(p_metas))
    WITH ORDINALITY AS s(id, task, tenant_id, queue, source_type, source_id, run_at, priority, max_attempts,
                         callback_url, winner, payload, meta, ord)
  ORDER BY s.ord;

  INSERT INTO tenantry.lane_jobs (log_id, lane, priority, run_at, job_key, deferred)
  SELECT s.id, 'tenant_' || s.tenant_id || '_' || s.queue, coalesce(s.priority, 0), coalesce(s.run_at, now()),
         s.job_key, coalesce(s.run_at, now()) > now()
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
  FROM unnest(v_lanes, v_lane_due) AS n(lane, due)
  WHERE l.name = n.lane AND (l.due IS NULL OR n.due < l.due);

  -- At most as many jobs as were dispatched: enough for them when their lanes are next in
  -- line, and no full pass on the dispatcher's time (recorded outcomes and the tick do those).
  PERFORM tenantry.try_admit(0, v_n);
  RETURN QUERY SELECT v_ids, now();
END
$$;

-- requeue_admitted (0019): a retry backing off is deferred; a job taken back (run_at kept) is not.
CREATE OR REPLACE FUNCTION requeue_admitted(p_job_ids bigint[], p_run_at timestamptz[], p_attempts smallint[])
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_n integer;
BEGIN
  IF coalesce(cardinality(p_job_ids), 0) = 0 THEN RETURN 0; END IF;
  WITH back AS (
    UPDATE tenantry.lane_jobs j SET job_id = NULL,
           run_at = coalesce(r.run_at, j.run_at), attempts = coalesce(r.attempts, j.attempts),
           deferred = coalesce(r.run_at, j.run_at) > now()
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

-- admit (0015): due jobs read by the clock, `more` from what was read and left, the next due
-- time from deferred jobs only.
CREATE OR REPLACE FUNCTION admit(p_min_budget integer DEFAULT 0, p_max integer DEFAULT NULL) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v_room integer;
  v_lanes text[];
  v_counts integer[];
  v_more boolean[];
  v_total integer;
  v_names text[];
  v_vtimes double precision[];
  v_weights real[];
  v_rooms integer[];
  v_rated text[];
  -- One clock for the rate windows of this pass: the time of the pass, not of its transaction.
  v_now_ms bigint := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
BEGIN
  SELECT greatest(p_min_budget, coalesce(sum(admission_slots), 0))::integer INTO v_room
    FROM tenantry.workers WHERE last_seen_at > now() - interval '1 minute';
  IF v_room <= 0 THEN RETURN 0; END IF;
  -- Jobs graphile-worker could hand out now (its partial index on is_available: no view, no
  -- join; graphile-private.ts lists this use).
  -- The ORDER BY matches that index, so even with stale statistics (a young, churning table)
  -- the count reads at most v_room index entries instead of scanning the table.
  v_room := v_room - (SELECT count(*) FROM (
    SELECT 1 FROM graphile_worker._private_jobs
    WHERE is_available = true AND run_at <= now() ORDER BY priority, run_at LIMIT v_room) q)::integer;
  v_room := least(v_room, p_max);
  IF v_room <= 0 THEN RETURN 0; END IF;
  PERFORM tenantry.fold_releases();

  -- Lanes are locked in a statement of their own: the next statement's snapshot is taken
  -- after the locks, so it sees every admission committed before them (a snapshot taken
  -- earlier would show another pass's admitted jobs as still waiting, and admit them twice).
  SELECT array_agg(p.name ORDER BY p.vtime), array_agg(p.vtime ORDER BY p.vtime),
         array_agg(p.weight ORDER BY p.vtime), array_agg(p.room ORDER BY p.vtime),
         coalesce(array_agg(p.name) FILTER (WHERE p.rated), '{}')
  INTO v_names, v_vtimes, v_weights, v_rooms, v_rated
  FROM (
    SELECT l.name, l.vtime, l.weight, l.rate_limit IS NOT NULL AS rated,
           least(l.cap - l.inflight, CASE
             WHEN l.rate_limit IS NULL THEN v_room
             ELSE l.rate_limit - tenantry.rate_used(l.rate_ends, l.rate_counts, v_now_ms - l.rate_period_ms) END) AS room
    FROM tenantry.lanes l
    WHERE l.due IS NOT NULL AND l.runnable AND l.due <= now() AND l.inflight < l.cap
      AND (l.rate_limit IS NULL
           OR tenantry.rate_used(l.rate_ends, l.rate_counts, v_now_ms - l.rate_period_ms) < l.rate_limit)
    ORDER BY l.vtime
    LIMIT v_room
    FOR UPDATE SKIP LOCKED
  ) p;
  IF v_names IS NULL THEN RETURN 0; END IF;

  WITH picked AS MATERIALIZED (
    SELECT * FROM unnest(v_names, v_vtimes, v_weights, v_rooms) AS p(name, vtime, weight, room)
  ), ranked AS MATERIALIZED (
    -- One job more than the lane's room: when it exists, the lane still has a due job after
    -- this pass, so its due time (<= now) stands and need not be looked up again.
    SELECT p.name, p.room, j.log_id, j.attempts,
           row_number() OVER (PARTITION BY p.name ORDER BY j.priority, j.log_id) AS k,
           p.vtime, p.weight
    FROM picked p
    CROSS JOIN LATERAL (
      -- Walks lane_jobs_next_idx in order and stops after room + 1 jobs.
      -- clock_timestamp(), not now(): a row put in the lane without a delay has run_at = its
      -- writer's now(), which can be later than this transaction's start, and it must count as
      -- due here (the lane's due time below relies on it).
      SELECT lj.log_id, lj.priority, lj.attempts FROM tenantry.lane_jobs lj
      WHERE lj.lane = p.name AND lj.job_id IS NULL AND lj.run_at <= clock_timestamp()
      ORDER BY lj.priority, lj.log_id
      LIMIT p.room + 1
    ) j
    WHERE p.room > 0
  ), candidates AS (
    SELECT r.name, r.log_id, r.attempts, r.vtime + r.k / r.weight AS finish FROM ranked r WHERE r.k <= r.room
  ), chosen AS MATERIALIZED (
    SELECT c.* FROM candidates c ORDER BY c.finish, c.log_id LIMIT v_room
  ), logs AS MATERIALIZED (
    -- No lock on the log rows: a cancel locks the log, then waits for the lane this pass holds,
    -- and finds the job admitted (withdraw_job), so admission and cancel never race.
    -- One index lookup per chosen job (LATERAL): a join with `id = ANY(chosen ids)` as well
    -- was planned as a nested loop that searched the whole array for every chosen job.
    SELECT c.name, c.finish, c.attempts, l.id, l.task, l.tenant_id, l.queue, l.payload, l.max_attempts
    FROM chosen c
    CROSS JOIN LATERAL (
      SELECT l.id, l.task, l.tenant_id, l.queue, l.payload, l.max_attempts FROM tenantry.job_logs l
      WHERE l.id = c.log_id AND l.status = 'pending'
    ) l
  ), ordered AS MATERIALIZED (
    SELECT logs.*, row_number() OVER (ORDER BY finish, id) AS ord, count(*) OVER () AS total FROM logs
  ), added AS (
    SELECT j.id AS job_id, (j.payload->>'log')::bigint AS log_id
    FROM graphile_worker.add_jobs(ARRAY(
      SELECT ROW(
        o.task,
        json_build_object('log', o.id, 'tenant', o.tenant_id, 'queue', o.queue, 'attempt', o.attempts,
                          'laned', true, 'rated', o.name = ANY(v_rated), 'payload', o.payload),
        -- run_at encodes the virtual finish time (1 ms per job of weight 1, from 2000-01-01), so
        -- graphile-worker's fetch order (priority, run_at) is the fair order across passes too:
        -- a job of a lane that was idle starts ahead of busy lanes' jobs already queued. Never
        -- later than now, so it is always runnable.
        NULL, least(now(), timestamptz '2000-01-01 00:00:00+00' + o.finish * interval '1 millisecond'),
        greatest(1, o.max_attempts - o.attempts)::smallint, NULL, 0::smallint,
        -- `laned` (never a forbidden flag) tells the rescue of a dead worker that a job of
        -- this kind whose lane row is gone has already ended (src/worker/release.ts).
        ARRAY['t:' || o.tenant_id, 'q:' || o.queue, 'laned']
      )::graphile_worker.job_spec FROM ordered o ORDER BY o.ord), false) j
  ), marked AS (
    UPDATE tenantry.lane_jobs lj SET job_id = a.job_id FROM added a
    WHERE lj.log_id = ANY(ARRAY(SELECT log_id FROM added)) AND lj.log_id = a.log_id
    RETURNING lj.lane
  ), per_lane AS (
    SELECT lane, count(*)::integer AS n FROM marked GROUP BY lane
  ), read AS (
    SELECT name, count(*)::integer AS n FROM ranked GROUP BY name
  ), counts AS (
    -- `more`: the lane still has a due job after this pass, one read here and not admitted
    -- (past its room, or not among the pass's smallest finish times), so its due time (<= now)
    -- stands. Otherwise every due job it had was admitted, and what still waits is deferred.
    SELECT p.name, coalesce(m.n, 0) AS n, p.room <= 0 OR coalesce(r.n, 0) > coalesce(m.n, 0) AS more
    FROM picked p LEFT JOIN per_lane m ON m.lane = p.name LEFT JOIN read r ON r.name = p.name
  )
  SELECT array_agg(name), array_agg(n), array_agg(more), coalesce(sum(n), 0)::integer
  INTO v_lanes, v_counts, v_more, v_total FROM counts;
  IF v_lanes IS NULL THEN RETURN 0; END IF;

  UPDATE tenantry.lanes l SET
    inflight = l.inflight + a.n,
    vtime = l.vtime + a.n / l.weight,
    admitted_total = l.admitted_total + a.n,
    rate_ends = CASE WHEN l.rate_limit IS NULL OR a.n = 0 THEN l.rate_ends
                     ELSE (tenantry.rate_record(l.rate_ends, l.rate_counts, l.rate_period_ms, v_now_ms, a.n)).ends END,
    rate_counts = CASE WHEN l.rate_limit IS NULL OR a.n = 0 THEN l.rate_counts
                       ELSE (tenantry.rate_record(l.rate_ends, l.rate_counts, l.rate_period_ms, v_now_ms, a.n)).counts END,
    due = CASE WHEN a.more THEN l.due
               ELSE (SELECT min(j.run_at) FROM tenantry.lane_jobs j
                     WHERE j.lane = l.name AND j.job_id IS NULL AND j.deferred) END
  FROM unnest(v_lanes, v_counts, v_more) AS a(name, n, more)
  WHERE l.name = a.name;
  RETURN v_total;
END
$$;
