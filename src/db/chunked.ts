import { Readable } from 'node:stream';

/** 1 MiB: large enough that a 100 MB file is a hundred rows, small enough to hold two in memory. */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * Cuts a stream of bytes into chunks stored as rows (exports' and tenant files' bytes), one
 * insert in flight: the next chunk fills while the previous one is written, and at most two
 * are held in memory (besides a larger piece being cut). Chunks are cut at byte boundaries, not
 * lines; a reader concatenates them.
 */
export class ChunkWriter {
  private parts: Buffer[] = [];
  private size = 0;
  private writing: Promise<void> = Promise.resolve();
  bytes = 0;
  chunks = 0;

  private readonly insert: (seq: number, data: Buffer) => Promise<unknown>;
  private readonly chunkBytes: number;

  constructor(insert: (seq: number, data: Buffer) => Promise<unknown>, chunkBytes = CHUNK_BYTES) {
    this.insert = insert;
    this.chunkBytes = chunkBytes;
  }

  async write(data: Buffer | string): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.parts.push(buf);
    this.size += buf.length;
    this.bytes += buf.length;
    while (this.size >= this.chunkBytes) await this.flush(this.chunkBytes);
  }

  /** Stores what is left and waits for every insert. */
  async close(): Promise<void> {
    if (this.size > 0) await this.flush(this.size);
    await this.writing;
  }

  /** Stores the first `bytes` held (every chunk but the last is exactly chunkBytes). */
  private async flush(bytes: number): Promise<void> {
    // One piece held (the rest of a large write) is cut without copying.
    const held = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.size);
    const data = held.subarray(0, bytes);
    this.parts = bytes < held.length ? [held.subarray(bytes)] : [];
    this.size = held.length - bytes;
    await this.writing;
    const seq = this.chunks++;
    this.writing = this.insert(seq, data).then(() => {});
    // Awaited by the next flush or close(); never left unhandled meanwhile.
    this.writing.catch(() => {});
  }
}

/**
 * Stored chunks 0..count-1 as one stream holding at most two: the next one is read while the
 * current one is written to the client, so the database and the socket work in parallel.
 * `read` resolves undefined for a chunk that is not there (the stream fails, naming `what`).
 */
export function readChunks(
  read: (seq: number) => Promise<Buffer | undefined>,
  count: number,
  what: string,
): Readable {
  const take = async (seq: number) => {
    const data = await read(seq);
    if (data === undefined) throw new Error(`${what} is missing chunk ${seq}`);
    return data;
  };
  async function* chunks() {
    let next = count > 0 ? take(0) : undefined;
    for (let seq = 0; next !== undefined; seq++) {
      const current = await next;
      next = seq + 1 < count ? take(seq + 1) : undefined;
      // A rejected prefetch is awaited on the next turn; never leave it unhandled meanwhile.
      next?.catch(() => {});
      yield current;
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}
