-- Each cache entry's last write time, so a scope over its size bound (CACHE_TENANT_MAX_BYTES)
-- gives up its least recently written entries first (src/cache/limits.ts), as Solid Cache
-- evicts its oldest. A write time, not a read time: recording reads would turn every cache hit
-- into a write.
--
-- now() is evaluated once for the rows already there (no table rewrite); every write sets it.
ALTER TABLE cache_entries ADD COLUMN written_at timestamptz NOT NULL DEFAULT now();
