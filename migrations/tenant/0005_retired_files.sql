-- A file replaced or deleted is retired, not removed at once: its row loses its path and keeps
-- its chunks for an hour, so a download already streaming it (or an import reading it) ends
-- with the bytes it began with instead of being cut short. Retired files are removed by the
-- tenant's next upload or delete once their hour has passed, by the daily cleanup, and at once
-- when the tenant needs their room under its quota (FILE_MAX_BYTES_PER_TENANT): they never
-- count against it.
--
-- A row is now in one of three states: an upload being written (no path, not stored), a stored
-- file (path, stored), or a retired file (no path, stored, retired). "Not stored" is what marks
-- an upload from here on; before, a missing path did.
ALTER TABLE files ADD COLUMN retired_at timestamptz;
ALTER TABLE files DROP CONSTRAINT files_named_once_stored;
ALTER TABLE files ADD CONSTRAINT files_state CHECK (
  (retired_at IS NULL AND (path IS NULL) = (stored_at IS NULL))
  OR (retired_at IS NOT NULL AND path IS NULL AND stored_at IS NOT NULL)
);

DROP INDEX files_unstored_idx;
CREATE INDEX files_unstored_idx ON files (created_at) WHERE stored_at IS NULL;
CREATE INDEX files_retired_idx ON files (retired_at) WHERE retired_at IS NOT NULL;
