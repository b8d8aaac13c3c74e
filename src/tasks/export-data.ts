import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { ExportEncoder } from '../exports/format.ts';
import { ChunkWriter } from '../exports/storage.ts';
import { EXPORT_COLUMNS, exportBatch, exportQuery, validateFilters } from '../exports/types.ts';
import { defineTask } from '../jobs/define.ts';
import { PermanentJobError } from '../jobs/errors.ts';

/** Rows per batch: a few MB of text at most, so the worker's memory stays flat. */
const BATCH_ROWS = 10_000;

/**
 * Streams an export's rows, a keyset batch at a time, into chunked storage. One repeatable-read
 * transaction gives every batch the same snapshot and writes the chunks and the completion
 * together: a failed or cancelled attempt leaves nothing behind, and a retry starts clean.
 */
export const exportData = defineTask({
  name: 'export-data',
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
    if (exp.completed_at !== null) return { rows: Number(exp.row_count), bytes: Number(exp.byte_size) };
    const filters = validateFilters(exp.export_type, exp.filters);

    return ctx.controlDb
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        const source = exportQuery(exp.export_type, exp.tenant_id, filters);
        const { rows: counted } = await sql<{ n: string }>`SELECT count(*) AS n FROM (${source}) q`.execute(
          trx,
        );
        const total = Number(counted[0]?.n ?? 0);
        ctx.progress(0, `exporting ${total} rows`);
        const encoder = new ExportEncoder(exp.format, EXPORT_COLUMNS[exp.export_type]);
        const writer = new ChunkWriter(trx, export_id);
        let done = 0;
        let after: string | null = null;
        for (;;) {
          ctx.signal.throwIfAborted();
          const query = exportBatch(exp.export_type, exp.format, exp.tenant_id, filters, after, BATCH_ROWS);
          const batch = (await query.execute(trx)).rows[0];
          if (!batch || batch.n === 0 || batch.text === null) break;
          await writer.write(encoder.batch([batch.text]));
          done += batch.n;
          after = batch.last;
          ctx.progress(
            Math.min(99, Math.floor((done / Math.max(total, 1)) * 100)),
            `${done} of ${total} rows`,
          );
          if (batch.n < BATCH_ROWS) break;
        }
        await writer.write(encoder.end());
        await writer.close();
        await trx
          .updateTable('tenantry.exports')
          .set({
            row_count: String(done),
            byte_size: String(writer.bytes),
            chunk_count: writer.chunks,
            completed_at: sql<Date>`now()`,
          })
          .where('id', '=', export_id)
          .execute();
        return { rows: done, bytes: writer.bytes, chunks: writer.chunks };
      });
  },
});
