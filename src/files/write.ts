import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { FileLimits } from '../config.ts';
import { ChunkWriter } from '../db/chunked.ts';
import type { Db, DbOrTrx } from '../db/database.ts';
import { tenantTables } from '../db/tenant-database.ts';
import { AppError } from '../errors.ts';
import {
  fileUsage,
  findFile,
  removeRetiredFiles,
  retiredBytes,
  retireFile,
  type StoredFile,
} from './repository.ts';
import { filesUnavailable } from './unavailable.ts';
import { uploadContentType } from './upload-headers.ts';

/** Advisory lock class of a tenant's files (beside exports' 7_345_006): naming and quota, together. */
const FILES_LOCK = 7_345_008;

/** An unnamed file older than this was left by an upload that died with its process. */
export const ABANDONED_AFTER = '6 hours';

export type FileSource = AsyncIterable<Buffer | Uint8Array | string> | Buffer | string;

export interface WriteFileOptions {
  /** As sent (a Content-Type header); checked here, application/octet-stream when absent. */
  contentType: string | undefined;
  limits: FileLimits;
  /** The size the sender announced (Content-Length): refused up front when over a limit. */
  expectedBytes?: number;
}

export interface WrittenFile {
  file: StoredFile;
  /** A file was at the path before and is replaced. */
  replaced: boolean;
}

const tooLarge = (limits: FileLimits) =>
  new AppError('payload_too_large', `a file may hold at most ${limits.maxFileBytes} bytes (FILE_MAX_BYTES)`, {
    field: 'body',
    reason: 'file_too_large',
    max_bytes: limits.maxFileBytes,
  });

function checkQuota(
  tenantId: string,
  usage: { files: number; bytes: number },
  adding: number,
  limits: FileLimits,
) {
  if (usage.files + 1 > limits.maxFiles) {
    throw new AppError(
      'conflict',
      `tenant ${tenantId} keeps ${usage.files} files, the most it may (FILE_MAX_PER_TENANT is ` +
        `${limits.maxFiles}); delete files it no longer needs`,
      { reason: 'file_quota_exceeded' },
    );
  }
  if (usage.bytes + adding > limits.maxBytes) {
    throw new AppError(
      'conflict',
      `tenant ${tenantId} keeps ${usage.bytes} bytes of files; ${adding} more would pass its quota ` +
        `(FILE_MAX_BYTES_PER_TENANT is ${limits.maxBytes}); delete files it no longer needs`,
      { reason: 'file_quota_exceeded' },
    );
  }
}

/** The tenant's files lock, held by whatever names, retires or sweeps its files. */
const lockFiles = (trx: DbOrTrx, tenantId: string) =>
  sql`SELECT pg_advisory_xact_lock(${FILES_LOCK}, hashtext(${tenantId}))`.execute(trx);

/**
 * Deletes the file at `path`: retires it (see retireFile; its readers finish) and removes
 * retired files past their time, under the tenant's files lock. False when there was none.
 */
export async function deleteFile(db: Db, tenantId: string, path: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await lockFiles(trx, tenantId);
    const retired = await retireFile(trx, tenantId, path);
    await removeRetiredFiles(trx, tenantId, false);
    return retired;
  });
}

/** Uploads of one tenant written at once: what they hold is not in its quota until named. */
export const MAX_UPLOADS_IN_FLIGHT = 4;

/**
 * Stores `source` as the tenant's file at `path`, replacing any file there. The bytes go into
 * an unnamed file, chunk by chunk, without a transaction held open for the sender's pace; the
 * file is named in one short transaction once complete, under the tenant's files lock, where the
 * quota is checked against what is stored (the file it replaces left out) and the stored chunks
 * against what was sent. Until then readers see the old file or none; on any failure the unnamed
 * file is removed and nothing is replaced. The file replaced is retired (see retireFile), so its
 * readers finish. At most MAX_UPLOADS_IN_FLIGHT run per tenant at once.
 */
export async function writeFile(
  db: Db,
  tenantId: string,
  path: string,
  source: FileSource,
  options: WriteFileOptions,
): Promise<WrittenFile> {
  try {
    return await write(db, tenantId, path, source, options);
  } catch (err) {
    throw filesUnavailable(err, tenantId);
  }
}

async function write(
  db: Db,
  tenantId: string,
  path: string,
  source: FileSource,
  options: WriteFileOptions,
): Promise<WrittenFile> {
  const { limits } = options;
  const contentType = uploadContentType(options.contentType);
  const t = tenantTables(db, tenantId);
  if (options.expectedBytes !== undefined && options.expectedBytes > limits.maxFileBytes)
    throw tooLarge(limits);
  // Refused before any byte is read when the tenant is already full (checked again at the end).
  checkQuota(tenantId, await fileUsage(db, tenantId, path), options.expectedBytes ?? 0, limits);
  const { id, upload_token: token } = await db.transaction().execute(async (trx) => {
    const tt = tenantTables(trx, tenantId);
    await lockFiles(trx, tenantId);
    await tt
      .deleteFrom('files')
      .where('stored_at', 'is', null)
      .where('created_at', '<', sql<Date>`now() - ${ABANDONED_AFTER}::interval`)
      .execute();
    await removeRetiredFiles(trx, tenantId, false);
    const { n } = await tt
      .selectFrom('files')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('stored_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (n >= MAX_UPLOADS_IN_FLIGHT) {
      throw new AppError(
        'rate_limited',
        `tenant ${tenantId} has ${n} uploads under way, the most it may have at once; send this one when one has ended`,
        { reason: 'uploads_in_flight', retry_after: 5 },
      );
    }
    return tt
      .insertInto('files')
      .values({ content_type: contentType })
      .returning(['id', 'upload_token'])
      .executeTakeFirstOrThrow();
  });
  try {
    const hash = createHash('sha256');
    const writer = new ChunkWriter((seq, data) =>
      t.insertInto('file_chunks').values({ file_id: id, seq, data }).execute(),
    );
    for await (const piece of typeof source === 'string' || Buffer.isBuffer(source) ? [source] : source) {
      // A view, not a copy: the writer copies into its chunk and keeps no piece after write().
      const buf =
        typeof piece === 'string'
          ? Buffer.from(piece, 'utf8')
          : Buffer.isBuffer(piece)
            ? piece
            : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
      if (writer.bytes + buf.length > limits.maxFileBytes) throw tooLarge(limits);
      hash.update(buf);
      await writer.write(buf);
    }
    await writer.close();
    return await db.transaction().execute(async (trx) => {
      const tt = tenantTables(trx, tenantId);
      await lockFiles(trx, tenantId);
      const stored = await tt
        .selectFrom('file_chunks')
        .select([
          sql<number>`count(*)::int`.as('n'),
          sql<string>`coalesce(sum(octet_length(data)), 0)::text`.as('bytes'),
        ])
        .where('file_id', '=', id)
        .executeTakeFirstOrThrow();
      if (stored.n !== writer.chunks || Number(stored.bytes) !== writer.bytes) throw vanished(path);
      const usage = await fileUsage(trx, tenantId, path);
      checkQuota(tenantId, usage, writer.bytes, limits);
      // Retired files give way when the tenant needs their room: their readers are cut short.
      if (usage.bytes + writer.bytes + (await retiredBytes(trx, tenantId)) > limits.maxBytes)
        await removeRetiredFiles(trx, tenantId, true);
      const replaced = await retireFile(trx, tenantId, path);
      const named = await tt
        .updateTable('files')
        .set({
          path,
          stored_at: sql<Date>`now()`,
          byte_size: writer.bytes,
          chunk_count: writer.chunks,
          sha256: hash.digest('hex'),
        })
        .where('id', '=', id)
        .where('upload_token', '=', token)
        .where('stored_at', 'is', null)
        .executeTakeFirst();
      if (named.numUpdatedRows === 0n) throw vanished(path);
      const file = await findFile(trx, tenantId, path);
      if (!file) throw vanished(path);
      return { file, replaced };
    });
  } catch (err) {
    // A chunk insert may still be in flight: it then fails on the missing file (nothing is left).
    await t
      .deleteFrom('files')
      .where('id', '=', id)
      .where('upload_token', '=', token)
      .where('stored_at', 'is', null)
      .execute()
      .catch(() => {});
    if ((err as { code?: unknown }).code === '23503') throw vanished(path);
    throw err;
  }
}

/** The unnamed file went, or changed, while it was written: a restore, or an upload older than ABANDONED_AFTER. */
const vanished = (path: string) =>
  new AppError(
    'conflict',
    `the upload of ${path} was removed while it was written (the tenant's files were restored, or ` +
      `the upload took longer than ${ABANDONED_AFTER}); send it again`,
    { reason: 'upload_interrupted' },
  );
