import type { Readable } from 'node:stream';
import { ChunkWriter, readChunks } from '../db/chunked.ts';
import type { DbOrTrx } from '../db/database.ts';

export { CHUNK_BYTES } from '../db/chunked.ts';

/** An export's file, written as rows of tenantry.export_chunks (see ChunkWriter). */
export class ChunkStore extends ChunkWriter {
  constructor(db: DbOrTrx, exportId: string, chunkBytes?: number) {
    super(
      (seq, data) =>
        db.insertInto('tenantry.export_chunks').values({ export_id: exportId, seq, data }).execute(),
      chunkBytes,
    );
  }
}

/** The stored export as a stream (see readChunks). */
export function readExport(db: DbOrTrx, exportId: string, chunkCount: number): Readable {
  return readChunks(
    async (seq) =>
      (
        await db
          .selectFrom('tenantry.export_chunks')
          .select('data')
          .where('export_id', '=', exportId)
          .where('seq', '=', seq)
          .executeTakeFirst()
      )?.data,
    chunkCount,
    `export ${exportId}`,
  );
}
