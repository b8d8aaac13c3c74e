import type { Command } from 'commander';
import { withRuntime } from '../with-runtime.ts';

const print = (line: string) => process.stdout.write(`${line}\n`);
const when = (d: Date | null) => d?.toISOString() ?? '-';

/**
 * `tenantry jobs show <id>`: one job log whole (the list cuts errors and leaves out payloads
 * and results), as `GET /api/job-logs/:id` gives it to an admin.
 */
export function registerJobLogShowCommand(jobs: Command): void {
  jobs
    .command('show')
    .description('one job log: status, progress, payload, result, error and times')
    .argument('<id>', 'job log id')
    .option('--json', 'the job log as one JSON object')
    .action(async (id: string, opts: { json?: boolean }) => {
      const { findJobLog } = await import('../../job-logs/repository.ts');
      await withRuntime(async ({ db }) => {
        const log = await findJobLog(db, id);
        if (!log) throw new Error(`job log ${id} was not found`);
        const { cursor_at: _, ...row } = log;
        if (opts.json) return print(JSON.stringify(row));
        const source = log.source_type ? ` (source ${log.source_type} ${log.source_id})` : '';
        print(
          `job log ${log.id}: ${log.task}, ${log.tenant_id ? `tenant ${log.tenant_id}` : 'central'}${source}`,
        );
        print(`queue:     ${log.lane ?? log.queue}`);
        print(`status:    ${log.status}${log.cancel_requested_at ? ' (cancel requested)' : ''}`);
        print(`progress:  ${log.progress}%${log.step ? ` ${log.step}` : ''}`);
        print(`attempts:  ${log.attempts} of ${log.max_attempts}, priority ${log.priority}`);
        print(`created:   ${when(log.created_at)}, run at ${when(log.run_at)}`);
        print(`started:   ${when(log.started_at)}, finished ${when(log.finished_at)}`);
        if (log.duration_ms !== null) print(`duration:  ${log.duration_ms} ms`);
        print(`payload:   ${JSON.stringify(log.payload)}`);
        if (log.result !== null) print(`result:    ${JSON.stringify(log.result)}`);
        if (log.error_message) print(`error:     ${log.error_message}`);
      });
    });
}
