import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.ts';

export function generateKey(prefix = 'tnt'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export interface AdminKey {
  key: string;
  /** True only on the start that created it: the one time the key may be printed. */
  generated: boolean;
  /** Where it came from: TENANTRY_ADMIN_KEY, or the file that holds it. */
  source: 'env' | string;
  /** A problem found and repaired (e.g. a key file others could read), for the log. */
  repaired?: string;
}

/**
 * A key file must be readable by its owner alone. One that others can read is made private
 * (and the repair reported); if that fails, the key is refused rather than used as exposed.
 */
async function ensurePrivate(file: string): Promise<string | undefined> {
  const { mode } = await stat(file);
  if ((mode & 0o077) === 0) return undefined;
  const was = (mode & 0o777).toString(8).padStart(4, '0');
  try {
    await chmod(file, 0o600);
  } catch (err) {
    throw new Error(
      `${file} is readable by others (mode ${was}) and could not be made private: ${(err as Error).message}`,
    );
  }
  return `${file} was readable by others (mode ${was}); changed to 0600`;
}

/** The admin key the service uses, without making one when there is none (operator commands). */
export async function existingAdminKey(config: Config): Promise<string | undefined> {
  if (config.adminKey) return config.adminKey;
  const kept = await readFile(path.join(config.dataDir, 'admin.key'), 'utf8').catch(() => undefined);
  return kept?.trim() || undefined;
}

/**
 * The admin key is TENANTRY_ADMIN_KEY when set; otherwise one generated on first start
 * and kept in DATA_DIR/admin.key (mode 0600), so restarts keep the same key.
 */
export async function resolveAdminKey(config: Config): Promise<AdminKey> {
  if (config.adminKey) return { key: config.adminKey, generated: false, source: 'env' };
  const file = path.join(config.dataDir, 'admin.key');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) {
    const repaired = await ensurePrivate(file);
    return { key: existing.trim(), generated: false, source: file, repaired };
  }
  await mkdir(config.dataDir, { recursive: true });
  const key = generateKey('tnt_admin');
  // `wx` so two processes starting together cannot both write a key: the loser re-reads.
  try {
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch {
    return { key: (await readFile(file, 'utf8')).trim(), generated: false, source: file };
  }
  return { key, generated: true, source: file };
}
