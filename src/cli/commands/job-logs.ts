import { type Command, InvalidArgumentError } from 'commander';
import type { JobStatus } from '../../db/schema.ts';
import type { ExportFormat, ExportType } from '../../db/schema-job-logs.ts';
import { EXPORT_FORMATS, EXPORT_TYPES } from '../../exports/kinds.ts';
import { follow, waitingHint } from '../export-follow.ts';
import { interruptible } from '../interrupt.ts';
import { collect, intArg, listLimit, tenantIdArg } from '../options.ts';
import { printTable } from '../table.ts';
import { withRuntime } from '../with-runtime.ts';
import { registerJobLogShowCommand } from './job-log-show.ts';

const STATUSES: readonly JobStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled'];

const oneOf =
  <T extends string>(values: readonly T[]) =>
  (value: string): T => {
    if (!values.includes(value as T)) throw new InvalidArgumentError(`must be one of ${values.join(', ')}`);
    return value as T;
  };

function filterPair(value: string, previous: string[]): string[] {
  if (!/^[a-z_]+=.+$/.test(value)) throw new InvalidArgumentError('must be name=value');
  return collect(value, previous);
}

/** Shows the export's progress until it ends; resolves with its final status. */
/** `tenantry jobs logs | stats` and `tenantry exports …`. */
export function registerJobLogCommands(program: Command): void {
  const jobs = program.commands.find((c) => c.name() === 'jobs') ?? program.command('jobs');
  registerJobLogShowCommand(jobs);

  jobs
    .command('logs')
    .description('job logs, newest first')
    .option('--tenant <id>', "only this tenant's jobs", tenantIdArg)
    .option('--status <status>', STATUSES.join(' | '), oneOf(STATUSES))
    .option('--task <name>', 'only this task')
    .option('--limit <n>', 'at most this many (up to 10000)', listLimit, 50)
    .action(async (opts: { tenant?: string; status?: JobStatus; task?: string; limit: number }) => {
      const { listJobLogs } = await import('../../job-logs/repository.ts');
      await withRuntime(async ({ db }) => {
        const rows = await listJobLogs(
          db,
          { tenantId: opts.tenant, status: opts.status, task: opts.task },
          opts.limit,
        );
        printTable(
          rows.map((r) => ({ ...r, tenant: r.tenant_id ?? '(central)', error: r.error_message })),
          [
            'id',
            'tenant',
            'task',
            'status',
            'progress',
            'step',
            'attempts',
            'created_at',
            'duration_ms',
            'error',
          ],
        );
      });
    });

  jobs
    .command('stats')
    .description('counts by status and per task over a window')
    .option('--tenant <id>', 'only this tenant', tenantIdArg)
    .option('--hours <n>', 'window length in hours (up to 8760, a year)', intArg(1, 8760), 24)
    .action(async (opts: { tenant?: string; hours: number }) => {
      const { jobLogStats } = await import('../../job-logs/stats.ts');
      await withRuntime(async ({ db }) => {
        const stats = await jobLogStats(db, new Date(Date.now() - opts.hours * 3_600_000), opts.tenant);
        console.log(`since ${stats.since}; now pending ${stats.now.pending}, running ${stats.now.running}`);
        printTable([stats.by_status], [...STATUSES]);
        console.log('');
        printTable(stats.by_task as unknown as Record<string, unknown>[], [
          'task',
          'total',
          'completed',
          'failed',
          'avg_duration_ms',
          'p95_duration_ms',
        ]);
      });
    });

  const exports = program.command('exports').description('export tenant data and download the files');

  exports
    .command('create')
    .description('start an export and show its progress until it ends (a worker must be running)')
    .requiredOption('--tenant <id>', 'the tenant to export', tenantIdArg)
    .requiredOption('--type <type>', EXPORT_TYPES.join(' | '), oneOf(EXPORT_TYPES))
    .option('--format <format>', EXPORT_FORMATS.join(' | '), oneOf(EXPORT_FORMATS), 'csv')
    .option('--filter <name=value>', 'repeatable, e.g. --filter search=john', filterPair, [])
    .option('--no-wait', 'print the id and return at once')
    .action(
      async (opts: {
        tenant: string;
        type: ExportType;
        format: ExportFormat;
        filter: string[];
        wait: boolean;
      }) => {
        const [{ createExport }, { registry }] = await Promise.all([
          import('../../exports/create.ts'),
          import('../../tasks/index.ts'),
        ]);
        await withRuntime(async ({ db, config }) => {
          const filters = Object.fromEntries(
            opts.filter.map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]),
          );
          const { id, jobLogId } = await createExport(db, registry, {
            tenantId: opts.tenant,
            type: opts.type,
            format: opts.format,
            filters,
            ttlHours: config.exportTtlHours,
            quota: config.exportQuota,
          });
          console.log(`export ${id} (job log ${jobLogId})`);
          if (!opts.wait) return;
          for (const line of await waitingHint(db, opts.tenant)) console.error(line);
          // Ctrl-C stops following, not the export: it runs on in a worker.
          const status = await interruptible(
            `following export ${id} (it goes on: tenantry exports status ${id})`,
            (signal) => follow(db, id, signal),
          );
          console.log(`export ${id} ${status}`);
          if (status !== 'completed') process.exitCode = 1;
        });
      },
    );

  exports
    .command('status')
    .description('exports, newest first, or one export')
    .argument('[id]', 'export id')
    .option('--tenant <id>', 'only this tenant', tenantIdArg)
    .option('--limit <n>', 'at most this many (up to 10000)', listLimit, 20)
    .action(async (id: string | undefined, opts: { tenant?: string; limit: number }) => {
      const { findExport, listExports } = await import('../../exports/repository.ts');
      await withRuntime(async ({ db }) => {
        const rows = id
          ? [await findExport(db, id, opts.tenant)].filter((r) => r !== undefined)
          : await listExports(db, opts.tenant, opts.limit);
        if (id && rows.length === 0) throw new Error(`export ${id} was not found`);
        printTable(
          rows.map((r) => ({
            ...r,
            tenant: r.tenant_id,
            type: r.export_type,
            rows: r.row_count,
            bytes: r.byte_size,
          })),
          [
            'id',
            'tenant',
            'type',
            'format',
            'status',
            'progress',
            'rows',
            'bytes',
            'created_at',
            'expires_at',
          ],
        );
      });
    });

  exports
    .command('download')
    .description('write a completed export to a file (default: its own name) or to stdout with -o -')
    .argument('<id>', 'export id')
    .option('-o, --output <file>', 'where to write; - for stdout')
    .option('--force', 'replace the file if it exists')
    .action(async (id: string, opts: { output?: string; force?: boolean }) => {
      const [{ writeExportFile }, { pipeline }, { findExport }, { readExport }] = await Promise.all([
        import('../export-file.ts'),
        import('node:stream/promises'),
        import('../../exports/repository.ts'),
        import('../../exports/storage.ts'),
      ]);
      await withRuntime(async ({ db }) => {
        const row = await findExport(db, id);
        if (!row) throw new Error(`export ${id} was not found`);
        if (row.status !== 'completed' || row.chunk_count === null)
          throw new Error(`export ${id} is ${row.status}`);
        const chunks = row.chunk_count;
        const target = opts.output ?? row.filename;
        if (target === '-') await pipeline(readExport(db, id, chunks), process.stdout);
        else
          await writeExportFile(target, Boolean(opts.force), (out) =>
            pipeline(readExport(db, id, chunks), out),
          );
        if (target !== '-') console.error(`wrote ${row.byte_size} bytes to ${target}`);
      });
    });

  exports
    .command('delete')
    .description("delete a finished export and its file (gives its room in the tenant's quota back)")
    .argument('<id>', 'export id')
    .action(async (id: string) => {
      // Refused before connecting, as every argument is.
      if (!/^\d{1,18}$/.test(id)) throw new Error(`export id must be a whole number, got "${id}"`);
      const { deleteExport } = await import('../../exports/repository.ts');
      await withRuntime(async ({ db }) => {
        const outcome = await deleteExport(db, id);
        if (!outcome) throw new Error(`export ${id} was not found`);
        if (outcome === 'running')
          throw new Error(`export ${id} is still waiting or running; cancel its job first`);
        console.log(`export ${id} deleted`);
      });
    });
}
