import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { TurnBatcher } from './batcher.ts';
import { notAnInteger } from './contract.ts';

interface Step {
  readonly key: string;
  readonly by: number;
}

/** 22P02: the stored text is not an integer; 22003: a sum leaves bigint. */
function isIntegerError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '22P02' || code === '22003';
}

/**
 * The Postgres store's increments, coalesced per event-loop turn like its gets and puts: the
 * steps of one turn become one upsert adding each key's total, and each caller is answered
 * with the value its own step produced, in push order (the stored total minus the steps
 * pushed after it). The key's row lock makes the whole turn one atomic step to any other
 * writer. A batch that meets a value that is not an integer, or a total past bigint, is
 * replayed one step at a time, so only the callers whose own step fails are refused.
 */
export class PostgresIncrements {
  private readonly batcher: TurnBatcher<Step, number>;
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
    this.batcher = new TurnBatcher((steps) => this.run(steps));
  }

  increment(key: string, by: number): Promise<number> {
    return this.batcher.push({ key, by });
  }

  private async run(steps: Step[]): Promise<(step: Step) => number> {
    const totals = new Map<string, bigint>();
    for (const { key, by } of steps) totals.set(key, (totals.get(key) ?? 0n) + BigInt(by));
    let stored: Map<string, bigint>;
    try {
      stored = await this.add(totals);
    } catch (err) {
      if (!isIntegerError(err)) throw err;
      return this.oneByOne(steps);
    }
    // Each step's answer: the key's stored value less the steps pushed after it.
    const after = new Map<string, bigint>(stored);
    const answers = new Map<Step, number>();
    for (let i = steps.length - 1; i >= 0; i--) {
      const step = steps[i]!;
      const value = after.get(step.key)!;
      answers.set(step, Number(value));
      after.set(step.key, value - BigInt(step.by));
    }
    return (step) => answers.get(step)!;
  }

  /** Each step on its own, a key's steps in push order and the keys side by side. */
  private async oneByOne(steps: Step[]): Promise<(step: Step) => number> {
    const results = new Map<Step, { value: number } | { err: unknown }>();
    await Promise.all(
      [...Map.groupBy(steps, (s) => s.key).values()].map(async (own) => {
        for (const step of own) {
          try {
            const stored = await this.add(new Map([[step.key, BigInt(step.by)]]));
            results.set(step, { value: Number(stored.get(step.key)) });
          } catch (err) {
            results.set(step, { err: isIntegerError(err) ? notAnInteger(step.key) : err });
          }
        }
      }),
    );
    return (step) => {
      const result = results.get(step)!;
      if ('err' in result) throw result.err;
      return result.value;
    };
  }

  /** One upsert adding each key's total; a missing or expired key starts at 0 with no expiry. */
  private async add(totals: Map<string, bigint>): Promise<Map<string, bigint>> {
    const keys = [...totals.keys()];
    const { rows } = await sql<{ key: string; value: string }>`
      INSERT INTO tenantry.cache_entries AS c (key, value, expires_at)
      SELECT k, d::text, NULL
      FROM unnest(${keys}::text[], ${keys.map((k) => String(totals.get(k)))}::bigint[]) AS u (k, d)
      ORDER BY k COLLATE "C"
      ON CONFLICT (key) DO UPDATE SET
        value = CASE WHEN c.expires_at <= now() THEN EXCLUDED.value
                     ELSE (c.value::bigint + EXCLUDED.value::bigint)::text END,
        expires_at = CASE WHEN c.expires_at <= now() THEN NULL ELSE c.expires_at END,
        written_at = now()
      RETURNING key, value`.execute(this.db);
    return new Map(rows.map((r) => [r.key, BigInt(r.value)]));
  }
}
