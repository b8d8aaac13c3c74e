// pg-boss 12 with groupConcurrency (c): group = tenant, the same cap as Tenantry's lanes, on
// the bench database (its own schema). How often its cap was exceeded is read from its own
// record of each job's claim and completion (see throughput()).
import { sql } from 'kysely';
import { PgBoss } from 'pg-boss';
import type { BenchDatabase } from './database.ts';
import { type Concurrency, concurrencyOf } from './jobs-checks.ts';
import { CAP, CONCURRENCY, type Throughput, tally, timedDrain } from './jobs-harness.ts';

const QUEUE = 'bench';

/**
 * CONCURRENCY jobs in handlers at most: one polling loop claiming CONCURRENCY jobs per fetch
 * (the group cap applies within a fetch and against the group's active jobs), running them
 * concurrently and completing them together; `burstWhenBatchFull` fetches again at once while
 * fetches come back full. Of the shapes with 10 jobs in flight this was the fastest here
 * (no-op jobs, 10 to 10,000 groups): 1 loop x 10 jobs ~1,600-2,100 jobs/s, 2 x 5 ~700-1,800,
 * 5 x 2 ~450, 10 x 1 ~20 (pg-boss ignores burst mode for single-job fetches, so each loop
 * waits its polling interval, 0.5 s at least, after every job).
 */
const PGBOSS_FETCHERS = 1;
const PGBOSS_BATCH = CONCURRENCY / PGBOSS_FETCHERS;

export type PgBossThroughput = Throughput & Concurrency;

export class PgBossBench {
  private readonly boss: PgBoss;

  private constructor(boss: PgBoss) {
    this.boss = boss;
  }

  /** Installs pg-boss's schema in the bench database and creates the queue. */
  static async create(bench: BenchDatabase): Promise<PgBossBench> {
    const boss = new PgBoss({
      connectionString: bench.url,
      max: CONCURRENCY,
      // Cron and maintenance are not what is measured.
      schedule: false,
      supervise: false,
    });
    boss.on('error', (err: unknown) => process.stderr.write(`  pg-boss error: ${String(err)}\n`));
    await boss.start();
    await boss.createQueue(QUEUE);
    return new PgBossBench(boss);
  }

  /** `jobs` no-op jobs round-robin over `groups`, before the clock starts. */
  private async addBacklog(groups: readonly string[], jobs: number): Promise<void> {
    for (let offset = 0; offset < jobs; offset += 2000) {
      const batch = Array.from({ length: Math.min(2000, jobs - offset) }, (_, i) => ({
        data: {},
        group: { id: groups[(offset + i) % groups.length]! },
      }));
      await this.boss.insert(QUEUE, batch);
    }
  }

  /**
   * Throughput over a backlog, then how many jobs of a group were active at once by pg-boss's
   * own record: a job counts against its group's cap from its claim (started_on) to its
   * completion (completed_on), which is what groupConcurrency limits. (A no-op handler's own
   * span is a microtask, too short to see two batches overlap in process.)
   */
  async throughput(
    bench: BenchDatabase,
    groups: readonly string[],
    jobs: number,
    limitMs = Number.POSITIVE_INFINITY,
  ): Promise<PgBossThroughput> {
    await this.addBacklog(groups, jobs);
    await sql`ANALYZE pgboss.job`.execute(bench.db);
    let workId: string | undefined;
    const result = await timedDrain(
      async () => {
        workId = await this.boss.work<object>(
          QUEUE,
          {
            localConcurrency: PGBOSS_FETCHERS,
            batchSize: PGBOSS_BATCH,
            burstWhenBatchFull: PGBOSS_BATCH > 1,
            pollingIntervalSeconds: 0.5,
            groupConcurrency: CAP,
          },
          async (batch) => {
            await Promise.all(batch.map(async (job) => tally.count(job.groupId ?? '', job.id)));
          },
        );
      },
      jobs,
      limitMs,
    );
    if (workId) await this.boss.offWork(QUEUE, { id: workId, wait: true });
    const concurrency = await concurrencyOf(
      bench,
      sql`SELECT group_id AS key, started_on AS started, completed_on AS finished, ${CAP}::int AS cap
          FROM pgboss.job WHERE name = ${QUEUE} AND group_id IS NOT NULL`,
    );
    await this.boss.deleteAllJobs(QUEUE);
    return { ...result, ...concurrency };
  }

  stop(): Promise<void> {
    return this.boss.stop({ graceful: true, timeout: 5000 });
  }
}
