import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';
import { RETIRED_KEPT } from '../files/repository.ts';
import { ABANDONED_AFTER } from '../files/write.ts';
import { tenantSchema } from '../tenancy.ts';

/** An index is rebuilt when at least this share of it is estimated to be dead space... */
export const BLOAT_RATIO_THRESHOLD = 0.3;
/** ...and it is big enough for that to matter. */
export const BLOAT_MIN_BYTES = 1024 * 1024;

/** The tenant's data tables; the migration bookkeeping tables are not worth maintaining. */
export async function schemaTables(db: DbOrTrx, schema: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = ${schema} AND c.relkind IN ('r', 'p') AND NOT starts_with(c.relname, 'schema_migrations')
    ORDER BY c.relname`.execute(db);
  return rows.map((r) => r.name);
}

export interface BloatedIndex {
  name: string;
  bytes: number;
  bloatRatio: number;
}

/**
 * Estimates each index's dead space from planner statistics (no pgstattuple needed): the
 * size a fresh btree would take, rows x (key width from pg_stats + tuple overhead) at the
 * default 90% fill, against the actual size. Run after ANALYZE so the statistics are fresh.
 */
export async function bloatedIndexes(db: DbOrTrx, schema: string): Promise<BloatedIndex[]> {
  const { rows } = await sql<{ name: string; bytes: string; expected: string | null }>`
    SELECT ic.relname AS name,
           pg_relation_size(ic.oid) AS bytes,
           (GREATEST(tc.reltuples, 0)
             * (16 + COALESCE((SELECT sum(s.avg_width) FROM pg_attribute a
                               JOIN pg_stats s ON s.schemaname = ${schema} AND s.tablename = tc.relname
                                              AND s.attname = a.attname
                               WHERE a.attrelid = tc.oid AND a.attnum = ANY (i.indkey)), 8))
             / 0.9 + 8192)::bigint AS expected
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_class tc ON tc.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = ic.relnamespace
    JOIN pg_am am ON am.oid = ic.relam
    WHERE n.nspname = ${schema} AND am.amname = 'btree' AND i.indisvalid
    ORDER BY ic.relname`.execute(db);
  return rows
    .map((r) => {
      const bytes = Number(r.bytes);
      const expected = Number(r.expected ?? 0);
      return { name: r.name, bytes, bloatRatio: bytes > 0 ? Math.max(0, 1 - expected / bytes) : 0 };
    })
    .filter((i) => i.bytes >= BLOAT_MIN_BYTES && i.bloatRatio >= BLOAT_RATIO_THRESHOLD);
}

async function hasColumns(db: DbOrTrx, table: string, columns: string[]): Promise<boolean> {
  const { rows } = await sql<{ n: string }>`
    SELECT count(*) AS n FROM information_schema.columns
    WHERE table_schema = 'tenantry' AND table_name = ${table} AND column_name = ANY (${columns})`.execute(db);
  return Number(rows[0]?.n ?? 0) === columns.length;
}

export interface CleanupCounts {
  job_logs: number;
  exports: number | null;
  tenant_events: number;
  /** Unnamed files left by uploads whose process died (any age past ABANDONED_AFTER). */
  abandoned_uploads: number;
  /** Files replaced or deleted more than RETIRED_KEPT ago, whose chunks were kept for readers. */
  retired_files: number;
}

/**
 * Rows older than `days` of one tenant: finished job logs, expired exports (when the exports
 * feature's table is installed) and lifecycle events; and, whatever `days`, the unnamed files of
 * uploads that died with their process and the retired files past their time (a tenant that
 * uploads or deletes again removes its own sooner).
 * `dryRun` counts instead of deleting.
 */
export async function cleanupRows(
  db: DbOrTrx,
  tenantId: string,
  days: number,
  dryRun: boolean,
): Promise<CleanupCounts> {
  const cutoff = sql`now() - make_interval(days => ${days})`;
  const jobLogs = sql`FROM tenantry.job_logs WHERE tenant_id = ${tenantId}
    AND status IN ('completed', 'failed', 'cancelled') AND finished_at < ${cutoff}`;
  const events = sql`FROM tenantry.tenant_events WHERE tenant_id = ${tenantId} AND created_at < ${cutoff}`;
  const withExports = await hasColumns(db, 'exports', ['tenant_id', 'expires_at']);
  const exportsRows = sql`FROM tenantry.exports WHERE tenant_id = ${tenantId} AND expires_at < now()`;
  const filesTable = `${tenantSchema(tenantId)}.files`;
  const abandoned = sql`FROM ${sql.table(filesTable)}
    WHERE stored_at IS NULL AND created_at < now() - ${ABANDONED_AFTER}::interval`;
  const retired = sql`FROM ${sql.table(filesTable)}
    WHERE retired_at < now() - ${RETIRED_KEPT}::interval`;
  // A schema not migrated to tenant migration 0004 has no files to sweep; before 0005, no
  // retired ones.
  const { rows: withFiles } = await sql<{ found: boolean; retiring: boolean }>`
    SELECT to_regclass(${`"${tenantSchema(tenantId)}".files`}) IS NOT NULL AS found,
           EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = ${tenantSchema(tenantId)}
                   AND table_name = 'files' AND column_name = 'retired_at') AS retiring`.execute(db);
  const run = async (from: ReturnType<typeof sql>) => {
    const query = dryRun
      ? sql<{ n: string }>`SELECT count(*) AS n ${from}`
      : sql<{ n: string }>`WITH gone AS (DELETE ${from} RETURNING 1) SELECT count(*) AS n FROM gone`;
    const { rows } = await query.execute(db);
    return Number(rows[0]?.n ?? 0);
  };
  return {
    job_logs: await run(jobLogs),
    exports: withExports ? await run(exportsRows) : null,
    tenant_events: await run(events),
    abandoned_uploads: withFiles[0]?.found ? await run(abandoned) : 0,
    retired_files: withFiles[0]?.retiring ? await run(retired) : 0,
  };
}
