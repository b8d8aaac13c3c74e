import { Readable } from 'node:stream';
import type { DbOrTrx } from '../db/database.ts';

/** 1 MiB: large enough that a 100 MB file is a hundred rows, small enough to hold one in memory. */
export const CHUNK_BYTES = 1024 * 1024;

/** Buffers encoded text and writes it out as fixed-size chunks of one export. */
export class ChunkWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private seq = 0;
  bytes = 0;

  constructor(
    private readonly db: DbOrTrx,
    private readonly exportId: string,
    private readonly chunkBytes = CHUNK_BYTES,
  ) {}

  get chunks(): number {
    return this.seq;
  }

  async write(text: string): Promise<void> {
    if (text.length === 0) return;
    const buf = Buffer.from(text, 'utf8');
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    this.bytes += buf.length;
    while (this.pendingBytes >= this.chunkBytes) await this.flush(this.chunkBytes);
  }

  async close(): Promise<void> {
    if (this.pendingBytes > 0) await this.flush(this.pendingBytes);
  }

  private async flush(size: number): Promise<void> {
    const all = Buffer.concat(this.pending, this.pendingBytes);
    const data = all.subarray(0, size);
    const rest = all.subarray(size);
    this.pending = rest.length > 0 ? [Buffer.from(rest)] : [];
    this.pendingBytes = rest.length;
    await this.db
      .insertInto('tenantry.export_chunks')
      .values({ export_id: this.exportId, seq: this.seq, data: Buffer.from(data) })
      .execute();
    this.seq += 1;
  }
}

/**
 * The stored file as a stream holding at most two chunks: the next one is read while the
 * current one is written to the client, so the database and the socket work in parallel.
 */
export function readExport(db: DbOrTrx, exportId: string, chunkCount: number): Readable {
  const read = async (seq: number) => {
    const row = await db
      .selectFrom('tenantry.export_chunks')
      .select('data')
      .where('export_id', '=', exportId)
      .where('seq', '=', seq)
      .executeTakeFirst();
    if (!row) throw new Error(`export ${exportId} is missing chunk ${seq}`);
    return row.data;
  };
  async function* chunks() {
    let next = chunkCount > 0 ? read(0) : undefined;
    for (let seq = 0; next !== undefined; seq++) {
      const current = await next;
      next = seq + 1 < chunkCount ? read(seq + 1) : undefined;
      // A rejected prefetch is awaited on the next turn; never leave it unhandled meanwhile.
      next?.catch(() => {});
      yield current;
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
