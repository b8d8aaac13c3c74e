import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/db/migrate.ts';
import { readSchedule } from '../../src/lifecycle/schedule.ts';
import { registry } from '../../src/tasks/index.ts';

describe('the default crontab', () => {
  it('names only registered tasks with valid payloads, and lists each next run in UTC', async () => {
    const now = new Date('2026-03-04T10:30:00Z'); // a Wednesday
    const entries = await readSchedule(path.join(MIGRATIONS_DIR, '..', 'crontab'), now);
    for (const entry of entries) {
      const definition = registry.get(entry.task);
      expect(definition, entry.task).toBeDefined();
      expect(definition!.check.Check(entry.payload ?? {}), `${entry.identifier} payload`).toBe(true);
    }
    const next = Object.fromEntries(entries.map((e) => [e.identifier, e.nextRun.toISOString()]));
    expect(next).toMatchObject({
      'tenant-backup': '2026-03-05T02:00:00.000Z',
      'weekly-optimize': '2026-03-08T04:00:00.000Z',
      'monthly-vacuum': '2026-04-01T03:00:00.000Z',
      'daily-cleanup': '2026-03-05T05:00:00.000Z',
    });
    expect(entries.find((e) => e.identifier === 'tenant-backup')?.payload).toEqual({ keep: 7 });
    expect(entries.find((e) => e.identifier === 'daily-cleanup')?.payload).toEqual({ cleanup_days: 365 });
    expect(entries.map((e) => e.task)).toEqual(expect.arrayContaining(['queue-gc', 'cache-sweep']));
  });
});
