-- Fair scheduler. A tenant job waits in its lane (tenant × logical queue, named
-- `tenant_<id>_<queue>`) until admission moves it into graphile-worker's unnamed queue, which
-- runs with batched fetching. See docs/scheduler.md for the model and the measurements.
--
-- Invariants:
-- * lanes.inflight - (the lane's lane_releases) = number of the lane's lane_jobs rows with
--   job_id set (admitted, not yet finished). Admission adds to inflight with the lane row
--   locked; a finished job deletes its row and appends a release without waiting for that
--   lock; admission folds releases into inflight (reconcile_lanes() checks and repairs).
-- * inflight never exceeds cap: admission locks the lane row (FOR UPDATE SKIP LOCKED) and
--   admits at most cap - inflight jobs.
-- * A tenant job is in exactly one place: waiting (lane_jobs.job_id NULL), admitted (a
--   graphile-worker job whose id is lane_jobs.job_id), or finished (no lane_jobs row).

-- Defaults per plan, written from PLAN_SCHEDULING at startup.
CREATE TABLE plan_limits (
  plan           text PRIMARY KEY,
  concurrency    integer CHECK (concurrency BETWEEN 1 AND 1000),
  weight         real CHECK (weight > 0 AND weight <= 1000),
  rate_limit     integer CHECK (rate_limit BETWEEN 1 AND 1000000),
  rate_period_ms integer CHECK (rate_period_ms BETWEEN 100 AND 86400000),
  CHECK ((rate_limit IS NULL) = (rate_period_ms IS NULL))
);

-- Per-tenant overrides (NULL: follow the plan) and pauses.
CREATE TABLE tenant_limits (
  tenant_id      text PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
  concurrency    integer CHECK (concurrency BETWEEN 1 AND 1000),
  weight         real CHECK (weight > 0 AND weight <= 1000),
  rate_limit     integer CHECK (rate_limit BETWEEN 1 AND 1000000),
  rate_period_ms integer CHECK (rate_period_ms BETWEEN 100 AND 86400000),
  paused         boolean NOT NULL DEFAULT false,
  paused_queues  text[] NOT NULL DEFAULT '{}',
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((rate_limit IS NULL) = (rate_period_ms IS NULL))
);

-- What applies to a tenant: its override, else its plan's default, else tenants.concurrency
-- (the cap), weight 1 and no rate limit.
CREATE VIEW tenant_scheduling AS
  SELECT t.id AS tenant_id, t.status,
         coalesce(tl.concurrency, pl.concurrency, t.concurrency) AS cap,
         coalesce(tl.weight, pl.weight, 1)::real AS weight,
         CASE WHEN tl.rate_limit IS NOT NULL THEN tl.rate_limit ELSE pl.rate_limit END AS rate_limit,
         CASE WHEN tl.rate_limit IS NOT NULL THEN tl.rate_period_ms ELSE pl.rate_period_ms END AS rate_period_ms,
         coalesce(tl.paused, false) AS paused,
         coalesce(tl.paused_queues, '{}') AS paused_queues
  FROM tenants t
  LEFT JOIN tenant_limits tl ON tl.tenant_id = t.id
  LEFT JOIN plan_limits pl ON pl.plan = t.plan;

-- The ready set: one row per lane that ever had a job. Small (one row per lane), updated on
-- every admission and outcome, so no HOT updates are expected here.
CREATE TABLE lanes (
  name           text PRIMARY KEY,
  tenant_id      text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  queue          text NOT NULL,
  cap            integer NOT NULL,
  weight         real NOT NULL,
  rate_limit     integer,
  rate_period_ms integer,
  -- Tenant active and neither it nor this queue paused.
  runnable       boolean NOT NULL,
  paused         boolean NOT NULL DEFAULT false,
  inflight       integer NOT NULL DEFAULT 0 CHECK (inflight >= 0),
  -- Fair queuing: each admitted job advances the lane by 1/weight; admission serves the
  -- smallest virtual finish time first; a lane that becomes busy starts at the smallest
  -- virtual time of the busy lanes (no credit banked while idle, no penalty either).
  vtime          double precision NOT NULL DEFAULT 0,
  -- Earliest run_at of the waiting jobs; NULL when none waits.
  due            timestamptz,
  window_start   timestamptz NOT NULL DEFAULT '-infinity',
  window_count   integer NOT NULL DEFAULT 0,
  admitted_total bigint NOT NULL DEFAULT 0
) WITH (fillfactor = 50);

CREATE INDEX lanes_ready_idx ON lanes (vtime) WHERE due IS NOT NULL AND runnable;
CREATE INDEX lanes_tenant_idx ON lanes (tenant_id);

CREATE TABLE lane_jobs (
  log_id   bigint PRIMARY KEY,
  lane     text NOT NULL REFERENCES lanes (name) ON DELETE CASCADE,
  priority smallint NOT NULL,
  run_at   timestamptz NOT NULL,
  -- Attempts already made; a retry waits here again, not in graphile-worker.
  attempts smallint NOT NULL DEFAULT 0,
  -- Scoped job key (t:<tenant>:<key>) of a job not yet running.
  job_key  text,
  -- graphile-worker job id while admitted.
  job_id   bigint
);

CREATE INDEX lane_jobs_next_idx ON lane_jobs (lane, priority, log_id) WHERE job_id IS NULL;
CREATE INDEX lane_jobs_due_idx ON lane_jobs (lane, run_at) WHERE job_id IS NULL;
CREATE UNIQUE INDEX lane_jobs_admitted_idx ON lane_jobs (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX lane_jobs_admitted_lane_idx ON lane_jobs (lane) WHERE job_id IS NOT NULL;
CREATE UNIQUE INDEX lane_jobs_key_idx ON lane_jobs (job_key) WHERE job_key IS NOT NULL;

-- Slots freed by finished jobs, not yet subtracted from lanes.inflight: finishing a job never
-- waits for a lane row that an admission pass holds.
CREATE TABLE lane_releases (
  id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  lane text NOT NULL,
  n    integer NOT NULL CHECK (n > 0)
);

CREATE INDEX lane_releases_lane_idx ON lane_releases (lane);

-- Jobs admitted at once per worker slot (concurrency × SCHEDULER_BUFFER), from the heartbeat.
ALTER TABLE workers ADD COLUMN admission_slots integer NOT NULL DEFAULT 0;

DROP FUNCTION lane_name(text, text, integer, bigint);
