-- When the appointment-reminders task queued this appointment's reminder (NULL: not yet), so
-- each appointment gets one however often the task runs and however many workers run it.
ALTER TABLE appointments ADD COLUMN reminder_queued_at timestamptz;

-- What the task looks for: upcoming appointments still owed a reminder, by start.
CREATE INDEX appointments_reminder_due_idx ON appointments (starts_at)
  WHERE reminder_queued_at IS NULL AND status IN ('scheduled', 'confirmed');
