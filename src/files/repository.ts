import type { Readable } from 'node:stream';
import { sql } from 'kysely';
import { readChunks } from '../db/chunked.ts';
import type { DbOrTrx } from '../db/database.ts';
import { tenantTables } from '../db/tenant-database.ts';

/** A stored (named) file of one tenant. */
export interface StoredFile {
  id: string;
  path: string;
  content_type: string;
  /** int8, as text. */
  byte_size: string;
  chunk_count: number;
  sha256: string;
  stored_at: Date;
}

const COLUMNS = ['id', 'path', 'content_type', 'byte_size', 'chunk_count', 'sha256', 'stored_at'] as const;

const tables = tenantTables;

export async function findFile(db: DbOrTrx, tenantId: string, path: string): Promise<StoredFile | undefined> {
  const row = await tables(db, tenantId)
    .selectFrom('files')
    .select(COLUMNS)
    .where('path', '=', path)
    .executeTakeFirst();
  return row as StoredFile | undefined;
}

/**
 * Files by path (bytewise), after `after`; `prefix` keeps those whose path starts with it
 * (a range of the path index: LIKE with its wildcards escaped, under COLLATE "C").
 */
export async function listFiles(
  db: DbOrTrx,
  tenantId: string,
  options: { prefix?: string; after?: string; limit: number },
): Promise<StoredFile[]> {
  let query = tables(db, tenantId).selectFrom('files').select(COLUMNS).where('path', 'is not', null);
  if (options.prefix) {
    const escaped = options.prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
    query = query.where(sql<boolean>`path LIKE ${`${escaped}%`}`);
  }
  if (options.after !== undefined) query = query.where('path', '>', options.after);
  const rows = await query.orderBy('path').limit(options.limit).execute();
  return rows as StoredFile[];
}

/** A retired file is kept this long for readers that began with it (tenant migration 0005). */
export const RETIRED_KEPT = '1 hour';

/**
 * Retires the file at `path`, if any: it loses its path (a new file may take it at once) and
 * keeps its chunks for RETIRED_KEPT, so a download or import already reading it ends whole.
 * True when there was one.
 */
export async function retireFile(db: DbOrTrx, tenantId: string, path: string): Promise<boolean> {
  const { numUpdatedRows } = await tables(db, tenantId)
    .updateTable('files')
    .set({ path: null, retired_at: sql<Date>`now()` })
    .where('path', '=', path)
    .executeTakeFirst();
  return numUpdatedRows > 0n;
}

/** Retired files kept at most per tenant, the newest: a tenant replacing or deleting many small
 * files in an hour does not pile up rows (only the byte quota bounds what they hold). */
export const RETIRED_MAX = 100;

/**
 * Removes retired files: all of them, or those past RETIRED_KEPT and any beyond the newest
 * RETIRED_MAX; how many went. Callers hold the tenant's files lock (write.ts), so two sweeps
 * never take the same rows in different orders.
 */
export async function removeRetiredFiles(db: DbOrTrx, tenantId: string, all: boolean): Promise<number> {
  const t = tables(db, tenantId);
  const { numDeletedRows } = await t
    .deleteFrom('files')
    .where('retired_at', 'is not', null)
    .$if(!all, (q) =>
      q.where((eb) =>
        eb.or([
          eb('retired_at', '<', sql<Date>`now() - ${RETIRED_KEPT}::interval`),
          eb(
            'id',
            'not in',
            t
              .selectFrom('files')
              .select('id')
              .where('retired_at', 'is not', null)
              .orderBy('retired_at', 'desc')
              .limit(RETIRED_MAX),
          ),
        ]),
      ),
    )
    .executeTakeFirst();
  return Number(numDeletedRows);
}

/** Bytes the tenant's retired files still hold (they give way when the quota needs them). */
export async function retiredBytes(db: DbOrTrx, tenantId: string): Promise<number> {
  const row = await tables(db, tenantId)
    .selectFrom('files')
    .select(sql<string>`coalesce(sum(byte_size), 0)::text`.as('bytes'))
    .where('retired_at', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(row.bytes);
}

/** What the tenant's stored files take, leaving out the one at `except` (a file being replaced). */
export async function fileUsage(
  db: DbOrTrx,
  tenantId: string,
  except?: string,
): Promise<{ files: number; bytes: number }> {
  const row = await tables(db, tenantId)
    .selectFrom('files')
    .select([
      sql<number>`count(*)::int`.as('files'),
      sql<string>`coalesce(sum(byte_size), 0)::text`.as('bytes'),
    ])
    .where('path', 'is not', null)
    .$if(except !== undefined, (q) => q.where('path', '!=', except as string))
    .executeTakeFirstOrThrow();
  return { files: row.files, bytes: Number(row.bytes) };
}

/** One stored chunk of a file, or undefined when it is gone (retired and then removed). */
async function chunk(
  db: DbOrTrx,
  tenantId: string,
  fileId: string,
  seq: number,
): Promise<Buffer | undefined> {
  const row = await tables(db, tenantId)
    .selectFrom('file_chunks')
    .select('data')
    .where('file_id', '=', fileId)
    .where('seq', '=', seq)
    .executeTakeFirst();
  return row?.data;
}

/** The file's bytes as a stream (see readChunks); fails if the file is removed meanwhile. */
export function readFile(db: DbOrTrx, tenantId: string, file: StoredFile): Readable {
  return readChunks((seq) => chunk(db, tenantId, file.id, seq), file.chunk_count, `file ${file.path}`);
}

/**
 * The file's bytes, once its first chunk is in hand: undefined when the file is gone (retired
 * and removed since it was found), so a download answers 404 rather than failing after its
 * headers. A file replaced or deleted while it is read is retired, not removed, and its reader
 * ends with the bytes it began with (unless it reads for longer than RETIRED_KEPT, or the
 * tenant's quota needs the room first).
 */
export async function openFile(
  db: DbOrTrx,
  tenantId: string,
  file: StoredFile,
): Promise<Readable | undefined> {
  if (file.chunk_count === 0) return readFile(db, tenantId, file);
  const first = await chunk(db, tenantId, file.id, 0);
  if (first === undefined) return undefined;
  return readChunks(
    (seq) => (seq === 0 ? Promise.resolve(first) : chunk(db, tenantId, file.id, seq)),
    file.chunk_count,
    `file ${file.path}`,
  );
}
