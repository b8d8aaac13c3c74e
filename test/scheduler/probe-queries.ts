import { sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';

/** Starts recorded by the probe task for one tenant, in the order they happened. */
export async function starts(db: Db, tenant: string) {
  const { rows } = await sql<{ label: string; attempt: number; log: string; at: Date }>`
    SELECT data->>'label' AS label, (data->>'attempt')::int AS attempt, data->>'log' AS log, at
    FROM probe_events WHERE data->>'event' = 'start' AND data->>'tenant' = ${tenant}
    ORDER BY at, id`.execute(db);
  return rows;
}

/**
 * Most of one tenant's attempts running at the same instant, from the probe's start and end
 * events (an attempt without an end, e.g. a failure, counts until its next event).
 */
export async function laneOverlap(db: Db, tenant: string): Promise<number> {
  const { rows } = await sql<{ overlap: number | null }>`
    WITH s AS (
      SELECT data->>'log' AS log, (data->>'attempt')::int AS attempt, at FROM probe_events
      WHERE data->>'event' = 'start' AND data->>'tenant' = ${tenant}
    ), spans AS (
      SELECT s.at AS started,
             coalesce((SELECT min(e.at) FROM probe_events e
                       WHERE e.data->>'log' = s.log AND e.data->>'event' = 'end' AND e.at >= s.at), s.at) AS ended
      FROM s
    )
    SELECT max((SELECT count(*) FROM spans o WHERE o.started <= x.started AND o.ended > x.started))::int AS overlap
    FROM spans x`.execute(db);
  return rows[0]?.overlap ?? 0;
}
