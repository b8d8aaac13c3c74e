import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { TEMP_PREFIX } from './paths.ts';

/** Reading in 1 MiB chunks roughly halves hashing time against the 64 KiB default. */
export const READ_CHUNK_BYTES = 1024 * 1024;

export interface FileDigest {
  sha256: string;
  sizeBytes: number;
}

/** Streams the file once; memory use does not depend on its size. */
export async function digestFile(file: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  await pipeline(
    createReadStream(file, { highWaterMark: READ_CHUNK_BYTES }),
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        hash.update(chunk);
        sizeBytes += chunk.length;
      }
    },
  );
  return { sha256: hash.digest('hex'), sizeBytes };
}

export async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Makes a rename or unlink in `dir` durable. Some platforms and file systems cannot fsync a
 * directory; there the rename is as durable as that system allows, so failures are ignored.
 */
export async function syncDir(dir: string): Promise<void> {
  try {
    await syncFile(dir);
  } catch {
    // Best effort by design; see above.
  }
}

export async function removeQuietly(file: string | undefined): Promise<void> {
  if (file !== undefined) await rm(file, { force: true }).catch(() => {});
}

/**
 * Removes temporary files a killed process left in `dir`. Only files older than `olderThanMs`
 * go, so a run still in progress (bounded by the tool time limit) keeps its own.
 */
export async function removeStaleTempFiles(dir: string, olderThanMs: number): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const cutoff = Date.now() - olderThanMs;
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile() && info.mtimeMs < cutoff) {
      await removeQuietly(file);
      removed++;
    }
  }
  return removed;
}
