import { sql } from 'kysely';
import { Type } from 'typebox';
import { EXPORT_FRAMING, openExportSource } from '../exports/copy-source.ts';
import { ChunkStore } from '../exports/storage.ts';
import { validateFilters } from '../exports/types.ts';
import { defineTask } from '../jobs/define.ts';
import { PermanentJobError } from '../jobs/errors.ts';

/** Progress is reported about every this many lines. */
const PROGRESS_EVERY = 20_000;

/** Lines in a piece of output: rows, give or take a header or a quoted line break. */
function countLines(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Streams an export's rows, encoded by the server's COPY, into chunked storage while reading
 * the next ones (see openExportSource), so the worker holds two chunks at most whatever the
 * size. One transaction writes the chunks and the completion together: a failed or cancelled
 * attempt leaves nothing behind, and a retry starts clean.
 */
export const exportData = defineTask({
  name: 'export-data',
  // Only our own code, the crontab and triggers dispatch it.
  audience: 'system',
  queue: 'exports',
  maxAttempts: 3,
  timeoutMs: 60 * 60_000,
  payload: Type.Object({ export_id: Type.String({ pattern: '^[0-9]{1,18}$' }) }),
  async handler({ export_id }, ctx) {
    const exp = await ctx.controlDb
      .selectFrom('tenantry.exports')
      .selectAll()
      .where('id', '=', export_id)
      .executeTakeFirst();
    if (!exp || exp.tenant_id !== ctx.tenantId) throw new PermanentJobError(`export ${export_id} not found`);
    // Deleted by its tenant (a retry of its failed job): nothing to write.
    if (exp.deleted_at !== null) throw new PermanentJobError(`export ${export_id} was deleted`);
    if (exp.completed_at !== null) return { rows: Number(exp.row_count), bytes: Number(exp.byte_size) };
    const filters = validateFilters(exp.export_type, exp.filters);

    const source = await openExportSource(ctx.services.connectionString, ctx.controlDb, {
      type: exp.export_type,
      format: exp.format,
      tenantId: exp.tenant_id,
      filters,
    });
    try {
      ctx.progress(0, `exporting ${source.total} rows`);
      return await ctx.controlDb.transaction().execute(async (trx) => {
        const framing = EXPORT_FRAMING[exp.format];
        const store = new ChunkStore(trx, export_id);
        await store.write(framing.prefix);
        let lines = 0;
        let reported = 0;
        for await (const data of source.stream) {
          ctx.signal.throwIfAborted();
          await store.write(data);
          lines += countLines(data);
          if (lines - reported >= PROGRESS_EVERY) {
            reported = lines;
            const done = Math.min(lines, source.total);
            ctx.progress(
              Math.min(99, Math.floor((done / Math.max(source.total, 1)) * 100)),
              `${done} of ${source.total} rows`,
            );
          }
        }
        await store.write(framing.suffix);
        await store.close();
        const done = source.stream.rowCount ?? 0;
        await trx
          .updateTable('tenantry.exports')
          .set({
            row_count: String(done),
            byte_size: String(store.bytes),
            chunk_count: store.chunks,
            completed_at: sql<Date>`now()`,
            // Kept for the TTL from now, not from the request: a file that waited behind a pause
            // or a backlog gets its whole download window.
            expires_at: sql<Date>`now() + (expires_at - created_at)`,
          })
          .where('id', '=', export_id)
          // Deleted while it ran (its job started as the delete read it as ended): left to the
          // sweep, with the chunks just written, rather than brought back.
          .where('deleted_at', 'is', null)
          .execute();
        ctx.progress(100, `${done} rows`);
        return { rows: done, bytes: store.bytes, chunks: store.chunks };
      });
    } finally {
      await source.close();
    }
  },
});
