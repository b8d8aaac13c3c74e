import closeWithGrace from 'close-with-grace';
import type { Logger } from '../logger.ts';

/**
 * Keeps the process up until SIGTERM/SIGINT (or a fatal error), then runs `stop` once and
 * exits 0. A second signal exits at once; so does a stop that overruns `graceMs`.
 */
export function runUntilSignal(logger: Logger, graceMs: number, stop: () => Promise<void>): void {
  closeWithGrace(
    {
      delay: graceMs,
      logger: {
        error: (message: unknown) =>
          logger.error(message instanceof Error ? { err: message } : { message }, 'shutdown'),
      },
    },
    async ({ signal, err }) => {
      if (err) logger.error({ err }, 'fatal error, shutting down');
      else logger.info({ signal }, 'shutting down');
      await stop();
      logger.info('stopped');
      logger.flush();
    },
  );
}
