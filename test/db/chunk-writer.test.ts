import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ChunkWriter } from '../../src/db/chunked.ts';

/**
 * The cutting of a byte stream into stored chunks: every chunk but the last is exactly the
 * chunk size, their concatenation is the input, a chunk's bytes hold until its insert has
 * settled (the two chunk buffers take turns), and a caller may reuse its buffer at once.
 */
describe('ChunkWriter', () => {
  /** A store whose inserts take a while, checking each chunk's bytes at its start and its end. */
  function slowStore() {
    const stored: Buffer[] = [];
    const changed: number[] = [];
    const insert = async (seq: number, data: Buffer) => {
      const atStart = Buffer.from(data);
      await sleep(2);
      if (!atStart.equals(data)) changed.push(seq);
      stored[seq] = atStart;
    };
    return { stored, changed, insert };
  }

  it('cuts pieces of every size at the chunk size, keeping each chunk until it is stored', async () => {
    const input = randomBytes(10_000);
    const { stored, changed, insert } = slowStore();
    const writer = new ChunkWriter(insert, 1000);
    // Pieces smaller than a chunk, across chunks, many chunks at once, empty, and a string.
    let at = 0;
    for (const size of [1, 7, 992, 0, 1500, 4000, 999, 1, 2500]) {
      await writer.write(input.subarray(at, at + size));
      at += size;
    }
    expect(at).toBe(input.length);
    await writer.write('tail');
    await writer.close();
    expect(changed).toEqual([]);
    expect(stored.slice(0, -1).every((c) => c.length === 1000)).toBe(true);
    expect(Buffer.concat(stored)).toEqual(Buffer.concat([input, Buffer.from('tail')]));
    expect([writer.chunks, writer.bytes]).toEqual([11, 10_004]);
  });

  it('never keeps the caller’s buffer: it may be overwritten once write() returns', async () => {
    const { stored, insert } = slowStore();
    const writer = new ChunkWriter(insert, 64);
    const piece = Buffer.alloc(48);
    const expected: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      piece.fill(i);
      expected.push(Buffer.from(piece));
      await writer.write(piece);
    }
    await writer.close();
    expect(Buffer.concat(stored)).toEqual(Buffer.concat(expected));
  });

  it('stores nothing for no bytes, and one chunk for exactly one chunk of bytes', async () => {
    const empty = slowStore();
    const none = new ChunkWriter(empty.insert, 16);
    await none.write(Buffer.alloc(0));
    await none.close();
    expect([none.chunks, empty.stored.length]).toEqual([0, 0]);
    const one = slowStore();
    const exact = new ChunkWriter(one.insert, 16);
    await exact.write(Buffer.alloc(16, 1));
    await exact.close();
    expect(one.stored).toEqual([Buffer.alloc(16, 1)]);
  });

  it('fails the write after a failed insert, and close() with it', async () => {
    const writer = new ChunkWriter(async (seq) => {
      if (seq === 1) throw new Error('insert refused');
    }, 8);
    await writer.write(Buffer.alloc(16));
    await expect(
      (async () => {
        await writer.write(Buffer.alloc(8));
        await writer.close();
      })(),
    ).rejects.toThrow('insert refused');
  });
});
