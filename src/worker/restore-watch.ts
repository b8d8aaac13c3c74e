import type { Db } from '../db/database.ts';
import { endOrphanedToolSessions } from '../lifecycle/backup/tool-sessions.ts';
import { recoverAbandonedRestores } from '../lifecycle/restore-recovery.ts';
import type { Logger } from '../logger.ts';

/**
 * Every `everyMs`, finishes the restores whose process died (lifecycle/restore-recovery.ts),
 * so a tenant left paused by one is back within that time, without an operator, and ends the
 * pg_dump / pg_restore sessions a dead backup or restore left running (tool-sessions.ts). Any worker
 * does it; the tenant's backup lock makes one of them do each. Stops at stop().
 */
export class RestoreWatch {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<string[]> | undefined;
  private readonly options: { db: Db; logger: Logger; everyMs: number; lockTimeoutMs: number };

  constructor(options: { db: Db; logger: Logger; everyMs: number; lockTimeoutMs: number }) {
    this.options = options;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.options.everyMs);
    this.timer.unref();
  }

  /** No check starts after it; one under way is waited for (it uses the pool being closed). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.current;
  }

  check(): Promise<string[]> {
    this.current ??= (async () => {
      const recovered = await recoverAbandonedRestores(
        this.options.db,
        this.options.lockTimeoutMs,
        this.options.logger,
      );
      const orphaned = await endOrphanedToolSessions(this.options.db);
      if (orphaned.length > 0)
        this.options.logger.warn(
          { tenants: orphaned },
          'ended pg_dump / pg_restore sessions whose backup or restore process had died',
        );
      return recovered;
    })()
      .catch((err: unknown) => {
        // The database away: the next check retries.
        this.options.logger.warn({ err }, 'checking for interrupted restores failed; the next check retries');
        return [];
      })
      .finally(() => {
        this.current = undefined;
      });
    return this.current;
  }
}
