import { Readable } from 'node:stream';
import type { DbOrTrx } from '../db/database.ts';

/** 1 MiB: large enough that a 100 MB file is a hundred rows, small enough to hold two in memory. */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * Cuts a stream of bytes into chunks of one export and stores them, one insert in flight: the
 * next chunk fills while the previous one is written, and at most two are held in memory.
 * Chunks are cut at byte boundaries, not lines; a download concatenates them.
 */
export class ChunkStore {
  private parts: Buffer[] = [];
  private size = 0;
  private writing: Promise<void> = Promise.resolve();
  bytes = 0;
  chunks = 0;

  private readonly db: DbOrTrx;
  private readonly exportId: string;
  private readonly chunkBytes: number;

  constructor(db: DbOrTrx, exportId: string, chunkBytes = CHUNK_BYTES) {
    this.db = db;
    this.exportId = exportId;
    this.chunkBytes = chunkBytes;
  }

  async write(data: Buffer | string): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.parts.push(buf);
    this.size += buf.length;
    this.bytes += buf.length;
    if (this.size >= this.chunkBytes) await this.flush();
  }

  /** Stores what is left and waits for every insert. */
  async close(): Promise<void> {
    if (this.size > 0) await this.flush();
    await this.writing;
  }

  private async flush(): Promise<void> {
    const data = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    await this.writing;
    const seq = this.chunks++;
    this.writing = this.db
      .insertInto('tenantry.export_chunks')
      .values({ export_id: this.exportId, seq, data })
      .execute()
      .then(() => {});
    // Awaited by the next flush or close(); never left unhandled meanwhile.
    this.writing.catch(() => {});
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
