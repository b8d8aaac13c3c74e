import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { digestFile } from './files.ts';
import { isBackupFileName } from './paths.ts';
import { recordBackup } from './record.ts';
import { type BackupDeps, backupDb } from './types.ts';

/**
 * Records the tenant's backup files that have no row, so they can be listed, restored and
 * pruned like any other. A backup is renamed into place inside the transaction that inserts
 * its row: a process that died between the two left a whole backup under its final name that
 * nothing listed (and nothing ever removed), and a prune that died between deleting a row and
 * its file left the file. Only files older than `olderThanMs` are taken (a publish still in
 * progress keeps its own); each is dated by its modification time, when it was written, so
 * retention ranks it where it belongs, and its checksum is taken now: a restore checks it, and
 * the archive itself, before changing anything. Runs under the backup lock (shared) and the
 * tenant's prune lock, so no prune deletes a row and its file around it.
 */
export async function adoptUnlistedBackups(
  deps: Pick<BackupDeps, 'db'>,
  tenantId: string,
  dir: string,
  olderThanMs: number,
): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const candidates = names.filter((name) => isBackupFileName(tenantId, name));
  if (candidates.length === 0) return [];
  const db = backupDb(deps.db);
  const listed = new Set(
    (
      await db
        .selectFrom('tenantry.backups')
        .select('file_name')
        .where('tenant_id', '=', tenantId)
        .where('file_name', 'in', candidates)
        .execute()
    ).map((r) => r.file_name),
  );
  const cutoff = Date.now() - olderThanMs;
  const adopted: string[] = [];
  for (const name of candidates) {
    if (listed.has(name)) continue;
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile() || info.mtimeMs >= cutoff) continue;
    // Gone since it was listed (removed by hand): nothing to record.
    const digest = await digestFile(file).catch(() => undefined);
    if (!digest) continue;
    await db.transaction().execute(async (trx) => {
      const row = await recordBackup(
        trx,
        tenantId,
        { fileName: name, digest, encrypted: name.endsWith('.enc'), createdAt: info.mtime },
        { adopted: true },
      );
      if (row) adopted.push(name);
    });
  }
  return adopted;
}
