import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';
import type { JobStatus } from '../db/schema.ts';

export type ExportStatus = JobStatus;

/**
 * An export whose time is up, or that its tenant deleted, and whose job has ended (a file, or a
 * failure): the sweep removes it, and until it runs (hourly) it is already gone for every
 * reader. One still waiting to run (a paused tenant, a backlog) is kept; its window starts when
 * its file is written.
 */
const EXPIRED = sql<boolean>`(e.expires_at <= now() OR e.deleted_at IS NOT NULL)
  AND (e.completed_at IS NOT NULL OR l.status IS NULL OR l.status NOT IN ('pending', 'running'))`;

function baseQuery(db: DbOrTrx) {
  return (
    db
      .selectFrom('tenantry.exports as e')
      .leftJoin('tenantry.job_logs as l', 'l.id', 'e.job_log_id')
      .where(sql<boolean>`NOT (${EXPIRED})`)
      // A deleted export whose failed job was retried is running again: still hidden.
      .where('e.deleted_at', 'is', null)
      .select([
        'e.id',
        'e.tenant_id',
        'e.job_log_id',
        'e.export_type',
        'e.format',
        'e.filters',
        'e.filename',
        'e.content_type',
        'e.row_count',
        'e.byte_size',
        'e.chunk_count',
        'e.completed_at',
        'e.created_at',
        'e.expires_at',
        'l.progress',
        'l.step',
        'l.error_message',
        // The file decides completion; until it exists the job's state is the export's.
        sql<ExportStatus>`CASE WHEN e.completed_at IS NOT NULL THEN 'completed'
        WHEN l.status = 'completed' OR l.status IS NULL THEN 'failed' ELSE l.status END`.as('status'),
        sql<string>`e.created_at::text`.as('cursor_at'),
      ])
  );
}

export type ExportRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>>;

export async function findExport(db: DbOrTrx, id: string, tenantId?: string): Promise<ExportRow | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  let query = baseQuery(db).where('e.id', '=', id);
  if (tenantId !== undefined) query = query.where('e.tenant_id', '=', tenantId);
  return query.executeTakeFirst();
}

/** Newest first, keyset-paged on (created_at, id). */
export async function listExports(
  db: DbOrTrx,
  tenantId: string | undefined,
  limit: number,
  after?: [string, string],
): Promise<ExportRow[]> {
  let query = baseQuery(db);
  if (tenantId !== undefined) query = query.where('e.tenant_id', '=', tenantId);
  if (after)
    query = query.where(sql<boolean>`(e.created_at, e.id) < (${after[0]}::timestamptz, ${after[1]}::bigint)`);
  return query.orderBy('e.created_at', 'desc').orderBy('e.id', 'desc').limit(limit).execute();
}

/** Removes expired exports with their chunks, a batch at a time; returns how many. */
export async function deleteExpiredExports(db: DbOrTrx, batch = 100): Promise<number> {
  const { rows } = await sql<{ id: string }>`
    DELETE FROM tenantry.exports WHERE id IN (
      SELECT e.id FROM tenantry.exports e LEFT JOIN tenantry.job_logs l ON l.id = e.job_log_id
      WHERE ${EXPIRED} ORDER BY e.expires_at LIMIT ${batch}
      FOR UPDATE OF e SKIP LOCKED)
    RETURNING id`.execute(db);
  return rows.length;
}

/**
 * Deletes one export of `tenantId` (any tenant's when undefined), unless its job may still
 * write it (waiting or running): 'deleted', 'running' (kept), or undefined when there is no
 * such export. Marked, not removed (migrations/0042): hidden and out of the quota at once,
 * removed with its file by the hourly sweep, so a download in flight finishes.
 */
export async function deleteExport(
  db: DbOrTrx,
  id: string,
  tenantId?: string,
): Promise<'deleted' | 'running' | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const { rows } = await sql<{ running: boolean; deleted: boolean }>`
    WITH target AS (
      SELECT e.id, e.completed_at IS NULL AND l.status IN ('pending', 'running') AS running
      FROM tenantry.exports e LEFT JOIN tenantry.job_logs l ON l.id = e.job_log_id
      WHERE e.id = ${id} AND (${tenantId ?? null}::text IS NULL OR e.tenant_id = ${tenantId ?? null}::text)
        AND e.deleted_at IS NULL AND NOT (${EXPIRED})
    ), marked AS (
      -- Checked again under the row's lock: of two deletes at once, one marks it.
      UPDATE tenantry.exports e SET deleted_at = now() FROM target t
      WHERE e.id = t.id AND NOT t.running AND e.deleted_at IS NULL RETURNING e.id
    )
    SELECT t.running, EXISTS (SELECT 1 FROM marked) AS deleted FROM target t`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  if (row.deleted) return 'deleted';
  return row.running ? 'running' : undefined;
}
