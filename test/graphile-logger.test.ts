import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { graphileLogger } from '../src/worker/graphile-logger.ts';

describe("graphile-worker's log lines", () => {
  it('carry the errors they name: message, type and stack, not {}', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const logger = graphileLogger(pino({ level: 'debug' }, sink)).scope({ label: 'worker' });
    logger.error('forced shutdown', {
      error: new Error('jobs still running'),
      fatalError: new TypeError('bad'),
    });
    logger.warn('retrying', { attempt: 2 });

    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'forced shutdown',
      component: 'graphile-worker',
      label: 'worker',
      error: {
        type: 'Error',
        message: 'jobs still running',
        stack: expect.stringContaining('jobs still running'),
      },
      fatalError: { type: 'TypeError', message: 'bad' },
    });
    expect(lines[1]).toMatchObject({ level: 40, msg: 'retrying', attempt: 2 });
  });

  it('warns, not errs, of the local queue released under a graceful shutdown (jobs are returned all the same)', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const logger = graphileLogger(pino({ level: 'debug' }, sink));
    // As graphile-worker's main.js words it: the inner errors are not in the message.
    const race = new AggregateError(
      [new Error('Cannot background something when the queue is already released')],
      'Errors occurred whilst deactivating queue',
    );
    logger.error(`Deactivation failed: ${race}`, { error: race });
    logger.error('Deactivation failed: Error: connection refused', {
      error: new Error('connection refused'),
    });
    expect(lines.map((l) => l.level)).toEqual([40, 50]);
  });
});
