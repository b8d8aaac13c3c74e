-- An appointment moved to another time is owed a reminder for the new one: its
-- reminder_queued_at (0002) is cleared when starts_at changes, so the appointment-reminders
-- task queues one again 24 hours before the new start. (A reminder already queued for the old
-- time reads the appointment when it is sent, so it names the new day, or is skipped if the
-- appointment has begun.)
CREATE FUNCTION appointment_reminder_follows_start() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.reminder_queued_at := NULL;
  RETURN NEW;
END
$$;

CREATE TRIGGER appointments_reminder_follows_start
  BEFORE UPDATE OF starts_at ON appointments
  FOR EACH ROW WHEN (NEW.starts_at IS DISTINCT FROM OLD.starts_at)
  EXECUTE FUNCTION appointment_reminder_follows_start();
