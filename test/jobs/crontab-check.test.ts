import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { registry } from '../../src/tasks/index.ts';
import { CrontabError, loadCronItems } from '../../src/worker/crontab-items.ts';
import { runCli } from '../helpers/cli.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';

/**
 * What a worker schedules is checked before it starts: graphile-worker alone retried its pool
 * start forever on a line it could not parse (health green, no job running), scheduled unknown
 * tasks into jobs nothing runs, ran tenant tasks without a tenant, and gave every entry 25
 * attempts whatever its task declares.
 */
describe('the crontab a worker loads', () => {
  let dir: string;
  const silent = createLogger('silent', false);
  const file = async (name: string, text: string) => {
    const p = path.join(dir, name);
    await writeFile(p, text);
    return p;
  };
  const load = async (text: string) => loadCronItems(await file('crontab', text), true, registry, silent);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-crontab-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses, naming CRONTAB_FILE and the entry, what no worker could run as written', async () => {
    const cases: [string, RegExp][] = [
      ['garbage line here\n', /^CRONTAB_FILE .*crontab: Could not process line '1'/],
      ['* * * * * no-such-task ?id=x1\n', /entry 1 \(x1\): there is no task "no-such-task"$/],
      [
        '0 * * * * queue-gc\n* * * * * send-notification ?id=x4 {channel:"sms",to:"1",message:"x"}\n',
        /entry 2 \(x4\): send-notification runs in a tenant's context and crontab jobs have no tenant/,
      ],
      ['0 2 * * * tenant-backup {keep:0}\n', /entry 1 \(tenant-backup\): payload\.keep must be >= 1$/],
      ['0 2 * * * tenant-backup {bogus:1}\n', /payload\.bogus is not a property this task takes$/],
    ];
    for (const [text, message] of cases) {
      const attempt = load(text);
      await expect(attempt, text).rejects.toBeInstanceOf(CrontabError);
      await expect(attempt, text).rejects.toThrow(message);
    }
  });

  it('gives an entry its task’s attempts unless the line sets them', async () => {
    const items = await load('0 2 * * * tenant-backup {keep:7}\n0 3 * * * cache-sweep ?max=4\n');
    expect(items.map((i) => [i.task, i.options.maxAttempts])).toEqual([
      ['tenant-backup', registry.get('tenant-backup')!.maxAttempts],
      ['cache-sweep', 4],
    ]);
  });

  it('refuses a missing file CRONTAB_FILE names, and warns (scheduling nothing) for a missing default', async () => {
    const missing = path.join(dir, 'nope');
    expect(() => loadCronItems(missing, true, registry, silent)).toThrow(
      `CRONTAB_FILE ${missing}: no such file`,
    );
    const warnings: string[] = [];
    const logger = createLogger('silent', false);
    logger.warn = ((_: unknown, msg: string) => {
      warnings.push(msg);
    }) as typeof logger.warn;
    expect(loadCronItems(missing, false, registry, logger)).toEqual([]);
    expect(warnings).toEqual([
      expect.stringMatching(/^no crontab at .*nope \(no such file; CRONTAB_FILE unset/),
    ]);
  });

  describe('from the CLI', () => {
    let tdb: TestDatabase;
    beforeAll(async () => {
      tdb = await cloneTestDatabase();
    });
    afterAll(async () => {
      await tdb.close();
    });

    it('a worker exits 1 with one line; schedule list says the same', async () => {
      const crontab = await file('unknown', '* * * * * no-such-task ?id=x1\n');
      const env = { DATABASE_URL: tdb.url, LOG_LEVEL: 'warn', CRONTAB_FILE: crontab };
      for (const args of [['worker'], ['schedule', 'list']]) {
        const run = await runCli(args, env);
        expect(run.code, args.join(' ')).toBe(1);
        expect(run.stderr.trim()).toBe(
          `tenantry: CRONTAB_FILE ${crontab}: entry 1 (x1): there is no task "no-such-task"`,
        );
      }
    });
  });
});
