-- A revoked key's open streams end at once (src/http/stream-access.ts).
--
-- A request is authenticated when it starts, and an event stream (GET /api/events,
-- GET /api/job-logs/:id/events) lives on for hours: a key revoked meanwhile was refused on its
-- next request but its open streams kept sending the tenant's job changes. The API processes
-- hear of a revocation however it was made (API, CLI, SQL) through this notification, carrying
-- the key's id; their LISTEN connection checks every held stream again when it reconnects.
CREATE FUNCTION notify_api_key_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tenantry_api_key_revoked', NEW.id::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_revoked_notify
  AFTER UPDATE OF revoked_at ON api_keys
  FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
  EXECUTE FUNCTION notify_api_key_revoked();
