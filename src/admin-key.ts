import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.ts';

export function generateKey(prefix = 'tnt'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/**
 * The admin key is TENANTRY_ADMIN_KEY when set; otherwise one generated on first start
 * and kept in DATA_DIR/admin.key (mode 0600), so restarts keep the same key.
 */
export async function resolveAdminKey(config: Config): Promise<{ key: string; generated: boolean }> {
  if (config.adminKey) return { key: config.adminKey, generated: false };
  const file = path.join(config.dataDir, 'admin.key');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) return { key: existing.trim(), generated: false };
  await mkdir(config.dataDir, { recursive: true });
  const key = generateKey('tnt_admin');
  // `wx` so two processes starting together cannot both write a key: the loser re-reads.
  try {
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch {
    return { key: (await readFile(file, 'utf8')).trim(), generated: false };
  }
  return { key, generated: true };
}
