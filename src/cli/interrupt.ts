/**
 * Long operator commands (restore, backup, maintenance, following an export) stop cleanly on
 * Ctrl-C or SIGTERM instead of dying where they stand. A restore killed mid-way left the tenant
 * without its schema (set aside as `__pre_restore`) and inactive ("restore in progress") with
 * nothing to say why; a backup left its pg_dump running and a partial dump behind. Now the
 * first signal aborts the work (the PostgreSQL tools are stopped, a restore puts the previous
 * schema back and resumes the tenant's jobs, temporary files are removed) and the command ends
 * with exit code 130; a second signal exits at once.
 */
export class Interrupted extends Error {
  constructor(what: string) {
    super(`interrupted: ${what} was stopped`);
    this.name = 'Interrupted';
  }
}

export async function interruptible<T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    console.error(`tenantry: ${name}: stopping ${what} (once more to exit at once)`);
    controller.abort(new Interrupted(what));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // Work that finished despite the signal (a restore already past its swap) was done: its
    // result is reported, not "interrupted". Work that stops early on the signal throws.
    return await work(controller.signal);
  } catch (err) {
    // Whatever the aborted work threw (pg_restore killed, a query cut short), the cause is the signal.
    if (controller.signal.aborted) throw controller.signal.reason;
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
