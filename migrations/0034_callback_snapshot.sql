-- A completion callback describes the change that queued it.
--
-- The delivery job carried only the job log's id and read the row when it ran, so a delivery
-- queued by one end (cancelled) and run after a retry described the retried job (`job.running`,
-- or the next end), and two deliveries for two ends of one job could carry the same body. The
-- trigger now puts the row as it stood at that end into the delivery's payload (its callback_url
-- aside: deliveries read the current one, so a corrected URL still applies). The row is the AFTER
-- trigger's NEW: attempt_errors as the BEFORE trigger (0033) left it.
CREATE OR REPLACE FUNCTION enqueue_job_callback() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.tenant_id IS NULL THEN RETURN NULL; END IF;
  PERFORM tenantry.enqueue_job_batch(
    ARRAY['deliver-callback'], ARRAY[NEW.tenant_id], ARRAY['callbacks'],
    jsonb_build_array(jsonb_build_object('job_log_id', NEW.id::text, 'job_log', to_jsonb(NEW) - 'callback_url')),
    NULL, ARRAY['job_log'], ARRAY[NEW.id::text], NULL, NULL, ARRAY[10], NULL, NULL);
  RETURN NULL;
END
$$;
