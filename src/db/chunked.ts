import { Readable } from 'node:stream';

/** 1 MiB: large enough that a 100 MB file is a hundred rows, small enough to hold two in memory. */
export const CHUNK_BYTES = 1024 * 1024;

/**
 * Cuts a stream of bytes into chunks stored as rows (exports' and tenant files' bytes), one
 * insert in flight: the next chunk fills while the previous one is written. Bytes are copied
 * into one of two chunk buffers that take turns (the one being filled, the one of the insert in
 * flight), so a write never keeps the caller's buffer (it may be reused at once) and no chunk
 * leaves garbage behind: gathering pieces with Buffer.concat allocated a new 1 MiB buffer per
 * chunk, most of an export's time in the worker besides garbage collection. Chunks are cut at
 * byte boundaries, not lines; a reader concatenates them.
 */
export class ChunkWriter {
  /** The chunk being filled, `size` bytes so far; allocated on first use. */
  private filling: Buffer | undefined;
  /** The buffer of the insert in flight: free again once `writing` has settled. */
  private inFlight: Buffer | undefined;
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

  /** One write at a time: each must be awaited before the next (both would fill one chunk). */
  async write(data: Buffer | string): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.bytes += buf.length;
    for (let at = 0; at < buf.length; ) {
      this.filling ??= Buffer.allocUnsafeSlow(this.chunkBytes);
      const n = buf.copy(this.filling, this.size, at);
      this.size += n;
      at += n;
      if (this.size === this.chunkBytes) await this.flush();
    }
  }

  /** Stores what is left and waits for every insert. */
  async close(): Promise<void> {
    if (this.size > 0) await this.flush();
    await this.writing;
  }

  /** Stores the chunk filled so far (every chunk but the last is exactly chunkBytes). */
  private async flush(): Promise<void> {
    const full = this.filling as Buffer;
    const data = full.subarray(0, this.size);
    // The previous insert has sent its bytes once it has settled: its buffer is filled next.
    await this.writing;
    this.filling = this.inFlight;
    this.inFlight = full;
    this.size = 0;
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
