import closeWithGrace from 'close-with-grace';
import type { Logger } from '../logger.ts';

/**
 * graphile-worker 0.18 can leave one rejection of its own unhandled: when a pool is shut down
 * while the database is away (the supervisor replacing a pool that lost its server), its local
 * queue fails to hand its fetched jobs back and rejects with this message. Nothing is lost:
 * those jobs stay locked by the old pool, whose jobs the supervisor releases once the server
 * answers again (and any worker's rescue releases a dead pool's). Ending the process for it
 * would turn a database restart into a worker restart (seen in bench:chaos).
 */
const TOLERATED_REJECTION = 'Error occurred whilst returning jobs from local queue to database queue';

export function toleratedRejection(reason: unknown): boolean {
  return reason instanceof Error && reason.message.startsWith(TOLERATED_REJECTION);
}

/**
 * Keeps the process up until SIGTERM/SIGINT (or a fatal error), then runs `stop` once and
 * exits 0 (1 after a fatal error). A second signal exits at once; so does a stop that
 * overruns `graceMs`. Unhandled rejections are fatal, except the one above.
 */
export function runUntilSignal(logger: Logger, graceMs: number, stop: () => Promise<void>): void {
  let fatal: unknown;
  const closer = closeWithGrace(
    {
      delay: graceMs,
      // Handled below, so that the tolerated one does not end the process.
      skip: ['unhandledRejection'],
      logger: {
        error: (message: unknown) =>
          logger.error(message instanceof Error ? { err: message } : { message }, 'shutdown'),
      },
    },
    async ({ signal, err }) => {
      const error = err ?? fatal;
      if (error) logger.error({ err: error }, 'fatal error, shutting down');
      else logger.info({ signal }, 'shutting down');
      await stop();
      logger.info('stopped');
      logger.flush();
      // close-with-grace exits 1 when its callback throws: a fatal error ends the process so.
      if (fatal !== undefined && err === undefined) throw fatal;
    },
  );
  process.on('unhandledRejection', (reason) => {
    if (toleratedRejection(reason)) {
      logger.warn(
        { err: reason },
        'graphile-worker could not return its fetched jobs; they are released later',
      );
      return;
    }
    if (fatal !== undefined) return;
    fatal = reason ?? new Error('unhandled rejection');
    void closer.close();
  });
}
