import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { TurnBatcher } from './batcher.ts';
import { notAnInteger } from './contract.ts';

interface Step {
  readonly key: string;
  readonly by: number;
}

/** One key's steps of a turn, in push order. */
interface KeySteps {
  readonly steps: Step[];
  readonly total: bigint;
  /** The lowest and highest running totals of the steps: what the stored value must absorb. */
  readonly low: bigint;
  readonly high: bigint;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const inInt64 = (n: bigint) => n >= INT64_MIN && n <= INT64_MAX;

/** 22P02: the stored text is not an integer; 22003: a sum leaves bigint. */
function isIntegerError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '22P02' || code === '22003';
}

function byKey(steps: Step[]): Map<string, KeySteps> {
  const keys = new Map<string, KeySteps>();
  for (const [key, own] of Map.groupBy(steps, (s) => s.key)) {
    let total = 0n;
    let low = 0n;
    let high = 0n;
    for (const step of own) {
      total += BigInt(step.by);
      if (total < low) low = total;
      if (total > high) high = total;
    }
    keys.set(key, { steps: own, total, low, high });
  }
  return keys;
}

/**
 * The Postgres store's increments, coalesced per event-loop turn like its gets and puts: the
 * steps of one turn become one upsert adding each key's total, and each caller is answered
 * with the value its own step produced, in push order (the stored total minus the steps pushed
 * after it). The key's row lock makes a key's steps one atomic change to any other writer.
 *
 * The upsert changes a key only if every running total of its steps stays a 64-bit integer;
 * a key it leaves alone (its value is not an integer, or a step would leave bigint) has its
 * steps replayed one at a time, so exactly the steps that fail on their own are refused, and
 * the other keys of the turn never wait for that.
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
    const keys = byKey(steps);
    // A key whose steps alone leave bigint (from 0) goes step by step from the start.
    const batched = [...keys].filter(([, k]) => inInt64(k.low) && inInt64(k.high));
    const stored = batched.length > 0 ? await this.add(batched) : new Map<string, bigint>();
    const answers = new Map<Step, { value: number } | { err: unknown }>();
    const replay: KeySteps[] = [];
    for (const [key, k] of keys) {
      const value = stored.get(key);
      if (value === undefined) {
        replay.push(k);
        continue;
      }
      // Each step's answer: the key's stored value less the steps pushed after it.
      let after = value;
      for (const step of k.steps.toReversed()) {
        answers.set(step, { value: Number(after) });
        after -= BigInt(step.by);
      }
    }
    await Promise.all(
      replay.map(async ({ steps: own }) => {
        for (const step of own) {
          try {
            answers.set(step, { value: await this.addOne(step) });
          } catch (err) {
            answers.set(step, { err: isIntegerError(err) ? notAnInteger(step.key) : err });
          }
        }
      }),
    );
    return (step) => {
      const answer = answers.get(step)!;
      if ('err' in answer) throw answer.err;
      return answer.value;
    };
  }

  /**
   * One upsert for the keys of a turn. A missing or expired key starts at 0 with no expiry; an
   * existing one is changed only while its value is an integer that absorbs every running total
   * (checked in numeric, so nothing overflows here). Returns the keys it changed.
   */
  private async add(keys: [string, KeySteps][]): Promise<Map<string, bigint>> {
    const col = (pick: (k: KeySteps) => bigint) => keys.map(([, k]) => String(pick(k)));
    const { rows } = await sql<{ key: string; value: string }>`
      WITH steps AS (
        SELECT * FROM unnest(${keys.map(([key]) => key)}::text[], ${col((k) => k.total)}::numeric[],
                             ${col((k) => k.low)}::numeric[], ${col((k) => k.high)}::numeric[]) AS u (k, d, low, high)
      )
      INSERT INTO tenantry.cache_entries AS c (key, value, expires_at)
      SELECT k, d::text, NULL FROM steps ORDER BY k COLLATE "C"
      ON CONFLICT (key) DO UPDATE SET
        value = CASE WHEN c.expires_at <= now() THEN EXCLUDED.value
                     ELSE (c.value::numeric + EXCLUDED.value::numeric)::text END,
        expires_at = CASE WHEN c.expires_at <= now() THEN NULL ELSE c.expires_at END,
        written_at = now()
      WHERE c.expires_at <= now() OR CASE
        WHEN c.value ~ '^-?[0-9]{1,19}$' THEN (
          SELECT c.value::numeric + s.low >= ${String(INT64_MIN)}::numeric
             AND c.value::numeric + s.high <= ${String(INT64_MAX)}::numeric
          FROM steps s WHERE s.k = c.key)
        ELSE false END
      RETURNING key, value`.execute(this.db);
    return new Map(rows.map((r) => [r.key, BigInt(r.value)]));
  }

  /** One step on its own: the statement raises 22P02 or 22003 when the step cannot apply. */
  private async addOne({ key, by }: Step): Promise<number> {
    const { rows } = await sql<{ value: string }>`
      INSERT INTO tenantry.cache_entries AS c (key, value, expires_at)
      VALUES (${key}, ${by}::bigint::text, NULL)
      ON CONFLICT (key) DO UPDATE SET
        value = CASE WHEN c.expires_at <= now() THEN EXCLUDED.value
                     ELSE (c.value::bigint + ${by}::bigint)::text END,
        expires_at = CASE WHEN c.expires_at <= now() THEN NULL ELSE c.expires_at END,
        written_at = now()
      RETURNING value`.execute(this.db);
    return Number(rows[0]!.value);
  }
}
