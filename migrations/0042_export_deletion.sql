-- An export deleted by its tenant (DELETE /api/exports/:id, tenantry exports delete) is marked,
-- not removed at once: a download already streaming its file finishes (its chunks stay until
-- the hourly sweep removes the export with them), and the delete never waits for an export job
-- holding the row (its chunk inserts lock it FOR KEY SHARE until they commit, and a mark is a
-- FOR NO KEY UPDATE, which does not conflict). Readers and the quota pass over a marked export
-- from the moment it is marked; the export job refuses one (a retry of its failed job).
ALTER TABLE exports ADD COLUMN deleted_at timestamptz;
