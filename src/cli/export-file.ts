import { createWriteStream } from 'node:fs';
import { access, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';

/**
 * Writes a download to `target` whole or not at all: into a new file beside it, renamed over
 * the target only once every byte is written. A download that failed part-way (a missing chunk,
 * a lost connection) used to leave the target truncated, or an empty file where none was, and
 * an existing file is replaced only when asked (`--force`).
 */
export async function writeExportFile(
  target: string,
  force: boolean,
  write: (out: Writable) => Promise<void>,
): Promise<void> {
  if (!force && (await exists(target))) throw new Error(`${target} exists; pass --force to replace it`);
  const partial = join(dirname(target), `.${basename(target)}.${process.pid}.part`);
  try {
    // 'wx': never through a file (or link) someone else put there.
    await write(createWriteStream(partial, { flags: 'wx' }));
    await rename(partial, target);
  } catch (err) {
    await unlink(partial).catch(() => {});
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
