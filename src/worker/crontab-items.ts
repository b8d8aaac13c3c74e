import { readFileSync } from 'node:fs';
import { type ParsedCronItem, parseCrontab } from 'graphile-worker';
import { payloadProblem } from '../jobs/define.ts';
import type { TaskRegistry } from '../jobs/registry.ts';
import type { Logger } from '../logger.ts';

/** A crontab the worker cannot run: one line naming CRONTAB_FILE, and the process exits 1. */
export class CrontabError extends Error {
  override name = 'CrontabError';
}

/**
 * Checks parsed entries against the tasks this process knows, and gives each the task's own
 * attempts where the line sets none (graphile-worker's default is 25: a scheduled restore or
 * backup retried 25 times). A crontab job runs centrally (no tenant), so a task that runs in a
 * tenant's context cannot be scheduled there; its payload must pass the task's schema, as a
 * dispatch's does. graphile-worker itself schedules an unknown task, and the job waits forever
 * with no job log.
 */
export function checkCronItems(
  items: ParsedCronItem[],
  registry: TaskRegistry,
  where: string,
): ParsedCronItem[] {
  return items.map((item, i) => {
    const entry = `${where}: entry ${i + 1} (${item.identifier})`;
    const definition = registry.get(item.task);
    if (!definition) throw new CrontabError(`${entry}: there is no task "${item.task}"`);
    if (definition.audience === 'tenant') {
      throw new CrontabError(
        `${entry}: ${item.task} runs in a tenant's context and crontab jobs have no tenant; schedule a central task`,
      );
    }
    const problem = payloadProblem(definition, item.payload ?? {});
    if (problem) {
      throw new CrontabError(`${entry}: payload${problem.path ? `.${problem.path}` : ''} ${problem.message}`);
    }
    return {
      ...item,
      options: { ...item.options, maxAttempts: item.options.maxAttempts ?? definition.maxAttempts },
    };
  });
}

/**
 * The entries a worker schedules. A file that is missing is an error when CRONTAB_FILE names
 * it, and a warning when it is the default (./crontab of the working directory): starting from
 * another directory must not silently drop every schedule (backups included).
 */
export function loadCronItems(
  file: string,
  named: boolean,
  registry: TaskRegistry,
  logger: Logger,
): ParsedCronItem[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    if (named) throw new CrontabError(`CRONTAB_FILE ${file}: ${why}`);
    logger.warn(
      { crontab: file },
      `no crontab at ${file} (${why}; CRONTAB_FILE unset, so ./crontab of the working directory): nothing is scheduled`,
    );
    return [];
  }
  let items: ParsedCronItem[];
  try {
    items = parseCrontab(text);
  } catch (err) {
    throw new CrontabError(`CRONTAB_FILE ${file}: ${(err as Error).message}`);
  }
  return checkCronItems(items, registry, `CRONTAB_FILE ${file}`);
}
