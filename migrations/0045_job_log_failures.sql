-- Failed and cancelled job logs, indexed apart from job_logs.
--
-- job_logs has no index on status so that the two or three updates every job makes stay HOT
-- (0002). Listing "the failed jobs" (status=failed, newest first) therefore walked the
-- created_at index over the whole history until it had a page: when failures are rare that is
-- the whole table (1.5 s at 2,000,000 rows, growing with the history), and a bulk retry's count
-- read the whole table on every call. This table holds one row per job log that is failed or
-- cancelled, written by triggers whose WHEN is false on the usual path (pending -> running ->
-- completed), which pays only the test; a failure, a cancellation, a retry (back to pending)
-- and the removal of such a log change it. Its columns repeat the log's status, tenant and
-- creation time (neither of the last two ever changes) so a page is read from its own index,
-- newest first, and stops at its length.
CREATE TABLE job_log_failures (
  log_id         bigint PRIMARY KEY,
  outcome        text NOT NULL CHECK (outcome IN ('failed', 'cancelled')),
  log_tenant     text,
  log_created_at timestamptz NOT NULL
);
CREATE INDEX job_log_failures_outcome_idx ON job_log_failures (outcome, log_created_at DESC, log_id DESC);
CREATE INDEX job_log_failures_tenant_idx
  ON job_log_failures (log_tenant, outcome, log_created_at DESC, log_id DESC);

CREATE FUNCTION job_logs_track_failure() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' AND NEW.status IN ('failed', 'cancelled') THEN
    INSERT INTO tenantry.job_log_failures (log_id, outcome, log_tenant, log_created_at)
    VALUES (NEW.id, NEW.status, NEW.tenant_id, NEW.created_at)
    ON CONFLICT (log_id) DO UPDATE SET outcome = excluded.outcome;
  ELSE
    DELETE FROM tenantry.job_log_failures WHERE log_id = OLD.id;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER job_logs_failure_inserted
  AFTER INSERT ON job_logs
  FOR EACH ROW WHEN (NEW.status IN ('failed', 'cancelled'))
  EXECUTE FUNCTION job_logs_track_failure();

CREATE TRIGGER job_logs_failure_changed
  AFTER UPDATE OF status ON job_logs
  FOR EACH ROW WHEN (
    OLD.status IS DISTINCT FROM NEW.status
    AND (OLD.status IN ('failed', 'cancelled') OR NEW.status IN ('failed', 'cancelled')))
  EXECUTE FUNCTION job_logs_track_failure();

-- Per row, and only for a failed or cancelled log: the cleanup of old logs deletes mostly
-- completed ones, which pay only the test (a statement trigger would keep every deleted row).
CREATE TRIGGER job_logs_failure_deleted
  AFTER DELETE ON job_logs
  FOR EACH ROW WHEN (OLD.status IN ('failed', 'cancelled'))
  EXECUTE FUNCTION job_logs_track_failure();

-- Emptying job_logs empties this too (TRUNCATE fires no row trigger).
CREATE FUNCTION job_logs_truncate_failures() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE tenantry.job_log_failures;
  RETURN NULL;
END
$$;

CREATE TRIGGER job_logs_failures_truncated
  AFTER TRUNCATE ON job_logs
  FOR EACH STATEMENT EXECUTE FUNCTION job_logs_truncate_failures();

-- The logs failed or cancelled so far. The triggers above hold job_logs against writes until
-- this migration commits (CREATE TRIGGER's lock), so none is missed; job writes wait for this
-- one read of the table (a few seconds per million rows on a warm cache): upgrade at a quiet
-- time, or clean up old logs first, where the history is long.
INSERT INTO job_log_failures (log_id, outcome, log_tenant, log_created_at)
SELECT id, status, tenant_id, created_at FROM job_logs WHERE status IN ('failed', 'cancelled');
