-- Each failed attempt of a job, kept in its log: error_message holds only the latest, so a job
-- that failed twice and then succeeded showed one error (or, after success, a stale one) and no
-- way to tell a flaky dependency from one bad input.
--
-- One trigger on job_logs records them whichever path writes the failure (a worker's outcome
-- batch, a dead worker's jobs released, a job graphile-worker had failed for good), so no
-- writer has to remember to. A failure is the log going back to pending or to failed, with an
-- error, from running or with its attempt count raised (a batch may write an attempt's start and
-- its failure in one update). A manual retry lowers the count to 0 and is not one; the history
-- stays across it. The newest 25 are kept, messages cut to 1,000 characters (error_message keeps
-- the whole latest one).
ALTER TABLE job_logs ADD COLUMN attempt_errors jsonb;

CREATE FUNCTION record_attempt_error() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_all jsonb;
  v_n integer;
BEGIN
  v_all := coalesce(OLD.attempt_errors, '[]'::jsonb) || jsonb_build_array(jsonb_build_object(
    'attempt', NEW.attempts, 'at', now(), 'status', NEW.status, 'message', left(NEW.error_message, 1000)));
  v_n := jsonb_array_length(v_all);
  IF v_n > 25 THEN
    SELECT jsonb_agg(e ORDER BY i) INTO v_all
    FROM jsonb_array_elements(v_all) WITH ORDINALITY AS a(e, i) WHERE i > v_n - 25;
  END IF;
  NEW.attempt_errors := v_all;
  RETURN NEW;
END
$$;

CREATE TRIGGER job_logs_attempt_error
  BEFORE UPDATE ON job_logs
  FOR EACH ROW WHEN (
    NEW.error_message IS NOT NULL AND NEW.status IN ('pending', 'failed')
    AND (OLD.status = 'running' OR NEW.attempts > OLD.attempts))
  EXECUTE FUNCTION record_attempt_error();
