import { sql } from 'kysely';
import type { DbOrTrx } from '../db/database.ts';

/** Lanes deleted per statement: each is a short transaction holding few row locks. */
const BATCH = 1000;

/**
 * Deletes the tenant lanes that have no work (tenantry.gc_idle_lanes, migrations/0040), a batch
 * at a time until none is left or `signal` aborts. Returns how many were deleted.
 */
export async function removeIdleLanes(db: DbOrTrx, signal?: AbortSignal): Promise<number> {
  let total = 0;
  for (;;) {
    signal?.throwIfAborted();
    const { rows } = await sql<{ n: number }>`SELECT tenantry.gc_idle_lanes(${BATCH}) AS n`.execute(db);
    const n = rows[0]?.n ?? 0;
    total += n;
    if (n < BATCH) return total;
  }
}
