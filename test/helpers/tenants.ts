import { sql } from 'kysely';
import type { Db } from '../../src/db/database.ts';

/**
 * Bare tenant rows for scheduler tests (no schema, no API key; createTenantWithSchema and
 * createTenantWithKey give those): each tenant's lanes get `concurrency` as their cap.
 */
export async function insertTenants(db: Db, ids: readonly string[], concurrency: number): Promise<void> {
  await sql`
    INSERT INTO tenantry.tenants (id, name, concurrency)
    SELECT id, id, ${concurrency}::int FROM unnest(${ids}::text[]) WITH ORDINALITY AS u(id, ord) ORDER BY ord`.execute(
    db,
  );
}
