-- Tenant files: what a tenant's API clients and jobs store (a CSV to import, a generated report).
-- They live in the tenant's own schema, so a backup holds them with the rows they belong to, a
-- restore brings them back as they were, and a removed tenant takes them along.
--
-- A file is written as chunks (at most 1 MiB each) under a row without a path, and is given its
-- path, replacing any file there, in one short transaction once every chunk is stored: a reader
-- never sees half a file, and an upload that dies leaves an unnamed row that later uploads sweep.
-- Paths compare bytewise (COLLATE "C"): listing by prefix is a range of the unique index.
CREATE TABLE files (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  path text COLLATE "C",
  content_type text NOT NULL,
  byte_size bigint NOT NULL DEFAULT 0,
  chunk_count integer NOT NULL DEFAULT 0,
  sha256 text,
  -- Which upload writes the unnamed row: chunks are checked against it before the row is named
  -- (a restore resets the id sequence, so an id alone could name another upload's row).
  upload_token uuid NOT NULL DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now(),
  stored_at timestamptz,
  CONSTRAINT files_named_once_stored CHECK ((path IS NULL) = (stored_at IS NULL))
);

CREATE UNIQUE INDEX files_path_key ON files (path);
CREATE INDEX files_unstored_idx ON files (created_at) WHERE path IS NULL;

CREATE TABLE file_chunks (
  file_id bigint NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  seq integer NOT NULL CHECK (seq >= 0),
  data bytea NOT NULL,
  PRIMARY KEY (file_id, seq)
);

-- One row per import job that has committed its rows (the import-clients task), written in the
-- import's own transaction: a job run again after its rows were committed (its worker died before
-- recording the outcome) finds it and imports nothing twice.
CREATE TABLE file_imports (
  job_log_id bigint PRIMARY KEY,
  path text NOT NULL,
  sha256 text NOT NULL,
  row_count integer NOT NULL,
  imported_at timestamptz NOT NULL DEFAULT now()
);
