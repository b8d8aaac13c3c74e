-- A completed job log no longer carries the error of an earlier attempt.
--
-- error_message and error_stack held the latest failure and stayed after a later attempt
-- succeeded (or after a shutdown put a running job back and it then ran to the end), so a
-- client or alert reading error_message saw a failure on a job that had completed. The
-- failures stay in attempt_errors (0033), which is where a job's history is read. One trigger,
-- whichever path writes the completion (a worker's outcome batch, a dead worker's job found
-- finished); its WHEN is false for the usual completion (no error to clear), so that path pays
-- only the test.
CREATE FUNCTION clear_completed_error() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.error_message := NULL;
  NEW.error_stack := NULL;
  RETURN NEW;
END
$$;

CREATE TRIGGER job_logs_completed_clears_error
  BEFORE UPDATE ON job_logs
  FOR EACH ROW WHEN (
    NEW.status = 'completed' AND (NEW.error_message IS NOT NULL OR NEW.error_stack IS NOT NULL))
  EXECUTE FUNCTION clear_completed_error();
