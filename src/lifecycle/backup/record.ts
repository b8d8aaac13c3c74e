import type { Selectable } from 'kysely';
import type { FileDigest } from './files.ts';
import { recordTenantEvent } from './tenant.ts';
import type { BackupDb, BackupsTable } from './types.ts';

export interface BackupRecord {
  fileName: string;
  digest: FileDigest;
  encrypted: boolean;
  /** When the backup was written; the row's default (now) without it. */
  createdAt?: Date;
}

/**
 * Records one backup file: its row, and the tenant's `backed_up` event with `extra` (how long
 * it took, or that it was adopted), in the caller's transaction. Undefined, and no event, when
 * the tenant already has a row of that name (another writer recorded it first).
 */
export async function recordBackup(
  trx: BackupDb,
  tenantId: string,
  { fileName, digest, encrypted, createdAt }: BackupRecord,
  extra: Record<string, unknown>,
): Promise<Selectable<BackupsTable> | undefined> {
  const row = await trx
    .insertInto('tenantry.backups')
    .values({
      tenant_id: tenantId,
      file_name: fileName,
      size_bytes: digest.sizeBytes,
      sha256: digest.sha256,
      encrypted,
      ...(createdAt ? { created_at: createdAt } : {}),
    })
    .onConflict((oc) => oc.columns(['tenant_id', 'file_name']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) return undefined;
  await recordTenantEvent(trx, tenantId, 'backed_up', {
    file_name: fileName,
    size_bytes: digest.sizeBytes,
    sha256: digest.sha256,
    encrypted,
    ...extra,
  });
  return row;
}
