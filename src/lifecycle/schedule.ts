import { readFile } from 'node:fs/promises';
import { CronExpressionParser } from 'cron-parser';
import { parseCrontab } from 'graphile-worker';
import type { TaskRegistry } from '../jobs/registry.ts';
import { checkCronItems } from '../worker/crontab-items.ts';

export interface ScheduleEntry {
  /** The five time fields, UTC, as written. */
  expression: string;
  task: string;
  /** graphile-worker's identifier (the `id=` option, else the task name). */
  identifier: string;
  payload: unknown;
  /** The comment block just above the line: what the entry is for. */
  description: string;
  nextRun: Date;
}

/**
 * The entries of a crontab file with their next run after `now`. The file is parsed by
 * graphile-worker itself, so what is listed is exactly what the workers will schedule (and a
 * malformed line fails here as it would there); cron-parser computes the next run in UTC,
 * the time zone graphile-worker's crontab uses.
 */
export function scheduleEntries(
  text: string,
  now = new Date(),
  registry?: TaskRegistry,
  where = 'crontab',
): ScheduleEntry[] {
  // With the registry, checked as a worker checks it before scheduling (crontab-items.ts).
  const items = registry ? checkCronItems(parseCrontab(text), registry, where) : parseCrontab(text);
  const lines = text.split('\n');
  const entries: ScheduleEntry[] = [];
  let comments: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('#')) {
      comments.push(line.replace(/^#\s?/, ''));
      continue;
    }
    if (line === '') {
      comments = [];
      continue;
    }
    const item = items[entries.length];
    if (!item) break;
    const expression = line.split(/\s+/).slice(0, 5).join(' ');
    const nextRun = CronExpressionParser.parse(expression, { currentDate: now, tz: 'UTC' }).next().toDate();
    entries.push({
      expression,
      task: item.task,
      identifier: item.identifier,
      payload: item.payload ?? null,
      description: comments.join(' '),
      nextRun,
    });
    comments = [];
  }
  return entries;
}

export async function readSchedule(
  crontabFile: string,
  now = new Date(),
  registry?: TaskRegistry,
): Promise<ScheduleEntry[]> {
  const text = await readFile(crontabFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new Error(`CRONTAB_FILE ${crontabFile}: no such file`) : err;
  });
  return scheduleEntries(text, now, registry, `CRONTAB_FILE ${crontabFile}`);
}
