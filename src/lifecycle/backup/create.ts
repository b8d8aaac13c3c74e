import { access, chmod, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../errors.ts';
import { tenantSchema } from '../../tenancy.ts';
import { dumpTenantSchema, verifyArchive } from './archive.ts';
import { encryptFile } from './encryption.ts';
import { digestFile, type FileDigest, removeQuietly, syncDir } from './files.ts';
import { toBackup } from './list.ts';
import { withTenantBackupLock } from './lock.ts';
import { backupFileName, tempPath, tenantBackupDir } from './paths.ts';
import { recordBackup } from './record.ts';
import { requireTenant, schemaExists } from './tenant.ts';
import { type Backup, type BackupDeps, backupDb } from './types.ts';

/** More backups than this within one second of one tenant means something is looping. */
const MAX_SEQUENCE = 1000;

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * Backs up the tenant's schema. The file appears under its final name only after pg_restore
 * has read it back, it has been encrypted (when a key is configured) and fsynced; the
 * `backups` row and the `backed_up` event commit together with that rename, so a file
 * without a row is only ever a crash leftover, and a row always has its file.
 */
export async function createBackup(deps: BackupDeps, tenantId: string): Promise<Backup> {
  await requireTenant(deps.db, tenantId);
  if (!(await schemaExists(deps.db, tenantSchema(tenantId)))) {
    throw new AppError('conflict', `tenant ${tenantId} has no schema ${tenantSchema(tenantId)} to back up`, {
      reason: 'schema_missing',
    });
  }
  const dir = tenantBackupDir(deps.backupDir, tenantId);
  // A tenant's first backup creates its directory: the directory's own entry must reach the
  // disk too (its parent synced), or a power loss can take the directory and the file in it
  // while the row recording the backup survives.
  if ((await mkdir(dir, { recursive: true, mode: 0o700 })) !== undefined) await syncDir(path.dirname(dir));

  return withTenantBackupLock(deps.db, tenantId, 'shared', deps.timeoutMs, async () => {
    const startedAt = new Date();
    const dumpFile = tempPath(dir, 'dump');
    let sealedFile: string | undefined;
    try {
      await dumpTenantSchema(deps, tenantId, dumpFile);
      // pg_dump creates its file under the process umask; backups are for this user alone.
      await chmod(dumpFile, 0o600);
      const verified = verifyArchive(deps, tenantId, dumpFile, `of tenant ${tenantId} just written`);
      let digest: FileDigest;
      if (deps.encryptionKey) {
        await verified;
        sealedFile = tempPath(dir, 'enc');
        digest = await encryptFile(dumpFile, sealedFile, deps.encryptionKey);
        await removeQuietly(dumpFile);
      } else {
        // Hashing overlaps the check; pg_dump fsyncs its output, so only the rename needs syncing.
        [digest] = await Promise.all([digestFile(dumpFile), verified]);
      }
      return await publish(deps, tenantId, dir, sealedFile ?? dumpFile, {
        startedAt,
        digest,
        encrypted: sealedFile !== undefined,
      });
    } finally {
      await removeQuietly(dumpFile);
      await removeQuietly(sealedFile);
    }
  });
}

interface Staged {
  startedAt: Date;
  digest: FileDigest;
  encrypted: boolean;
}

/**
 * Claims the first free name (`…_2`, `…_3` for backups within the same second) through the
 * unique (tenant_id, file_name) row, then renames the staged file onto it inside the same
 * transaction. A concurrent backup claiming the same name waits on the row and moves on.
 */
async function publish(
  deps: BackupDeps,
  tenantId: string,
  dir: string,
  staged: string,
  { startedAt, digest, encrypted }: Staged,
): Promise<Backup> {
  let placed: string | undefined;
  try {
    const row = await backupDb(deps.db)
      .transaction()
      .execute(async (trx) => {
        for (let sequence = 1; sequence <= MAX_SEQUENCE; sequence++) {
          const fileName = backupFileName(tenantId, startedAt, sequence, encrypted);
          const target = path.join(dir, fileName);
          // A file left by a crash has no row; it is never overwritten.
          if (await exists(target)) continue;
          const inserted = await recordBackup(
            trx,
            tenantId,
            { fileName, digest, encrypted },
            { duration_ms: Date.now() - startedAt.getTime() },
          );
          if (!inserted) continue;
          await rename(staged, target);
          placed = target;
          return inserted;
        }
        throw new AppError('conflict', `tenant ${tenantId} has too many backups within one second`);
      });
    await syncDir(dir);
    return toBackup(row);
  } catch (err) {
    // The transaction did not commit, so no row points at the renamed file.
    await removeQuietly(placed);
    throw err;
  }
}
