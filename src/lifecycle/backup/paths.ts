import { randomBytes } from 'node:crypto';
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { AppError, invalid, notFound } from '../../errors.ts';
import { isTenantId } from '../../tenancy.ts';

/**
 * Backup files are `BACKUP_DIR/<id>/tenant_<id>_<UTC YYYY-MM-DD_HH-MM-SS>[_<n>].dump[.enc]`;
 * `_<n>` (n ≥ 2) separates backups taken within the same second. Files in progress are
 * dot-files with TEMP_PREFIX, never matching the pattern, so nothing can restore them.
 */
export const TEMP_PREFIX = '.tenantry-tmp-';
const STAMP = String.raw`\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}`;
const MAX_FILE_NAME_LENGTH = 255;

export function checkTenantId(tenantId: string): void {
  if (!isTenantId(tenantId)) throw invalid('tenant_id', `"${tenantId}" is not a tenant id`);
}

export function tenantBackupDir(backupDir: string, tenantId: string): string {
  checkTenantId(tenantId);
  return path.join(backupDir, tenantId);
}

function utcStamp(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', '_').replaceAll(':', '-');
}

export function backupFileName(tenantId: string, at: Date, sequence: number, encrypted: boolean): string {
  const suffix = sequence > 1 ? `_${sequence}` : '';
  return `tenant_${tenantId}_${utcStamp(at)}${suffix}.dump${encrypted ? '.enc' : ''}`;
}

export function isBackupFileName(tenantId: string, name: string): boolean {
  if (!isTenantId(tenantId)) return false;
  // Tenant ids hold only [a-z0-9-], none of which is special outside a character class.
  return new RegExp(`^tenant_${tenantId}_${STAMP}(?:_[1-9]\\d{0,5})?\\.dump(?:\\.enc)?$`).test(name);
}

export function tempPath(dir: string, label: string): string {
  return path.join(dir, `${TEMP_PREFIX}${label}-${randomBytes(8).toString('hex')}`);
}

/** A client-supplied backup name: a plain file name of this tenant's pattern, never a path. */
export function checkBackupFileName(tenantId: string, name: string): void {
  checkTenantId(tenantId);
  if (name.length === 0 || name.length > MAX_FILE_NAME_LENGTH) {
    throw invalid('backup', `must be a file name of 1 to ${MAX_FILE_NAME_LENGTH} characters`);
  }
  if (/[/\\\0]/.test(name) || name.includes('..') || path.isAbsolute(name)) {
    throw invalid('backup', 'must be a file name inside the tenant backup directory, not a path');
  }
  if (!isBackupFileName(tenantId, name)) {
    throw invalid('backup', `"${name}" is not a backup file name of tenant ${tenantId}`);
  }
}

const unsafe = (message: string) => new AppError('unprocessable', message, { reason: 'unsafe_path' });

/**
 * The real path of a backup of `tenantId`. Besides a valid name, the file must be a regular
 * file (not a symlink) directly inside the tenant's directory, which itself must be the real
 * `<backupDir>/<id>` once every link on the way is resolved.
 */
export async function resolveBackupFile(backupDir: string, tenantId: string, name: string): Promise<string> {
  checkBackupFileName(tenantId, name);
  const missing = () => notFound(`backup ${name} of tenant ${tenantId}`);
  const orMissing = (err: NodeJS.ErrnoException): never => {
    throw err.code === 'ENOENT' ? missing() : err;
  };
  const dir = await realpath(path.join(backupDir, tenantId)).catch(orMissing);
  if (dir !== path.join(await realpath(backupDir), tenantId)) {
    throw unsafe(`the backup directory of tenant ${tenantId} is a link`);
  }
  const file = path.join(dir, name);
  const stat = await lstat(file).catch(orMissing);
  if (!stat.isFile()) throw unsafe(`backup ${name} is not a regular file`);
  // lstat already refused a symlink; this also catches anything else (a race, a bind mount)
  // that would place the resolved file outside the directory.
  if (path.dirname(await realpath(file).catch(orMissing)) !== dir) {
    throw unsafe(`backup ${name} resolves outside its directory`);
  }
  return file;
}
