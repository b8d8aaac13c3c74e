import net from 'node:net';
import pg from 'pg';
import { isConnectionError } from './errors.ts';

/** A pooled connection's session, as recorded when it connected. */
export interface Session {
  pid: number;
  /** Its start in whole microseconds since the epoch, as text: compared exactly, free of DateStyle. */
  start: string;
}

/**
 * What a probe found: the server unreachable (not a byte back), nothing to go on (it answered
 * but the lookup failed: too many connections, starting up, slow, a refused login), or for each
 * session whether its query or answer is lost (and the session, if still there, terminated).
 */
export type Verdict = 'unreachable' | 'unknown' | boolean[];

/** How long a session must have been idle before a pending answer counts as lost. */
const IDLE_GRACE_MS = 1_000;

/** The text form of `Session.start` for a backend_start column. */
export const sessionStart = (column: string) => `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;

/**
 * Looks the sessions up on a fresh connection. A session is lost when it is gone, has been idle
 * for a second (its query or its answer went missing on the way) or is blocked writing to us
 * (`ClientWrite`: nothing of it arrives). Lost sessions still there are terminated first, only
 * those `stillStuck` (nothing moved on their connection while this ran), matched by pid and
 * start, since the pid of a session that ends may be reused at once. All within `timeoutMs`.
 */
export async function probeSessions(
  clientConfig: pg.ClientConfig,
  timeoutMs: number,
  sessions: Session[],
  stillStuck: (index: number) => boolean,
): Promise<Verdict> {
  const socket = new net.Socket();
  const probe = new pg.Client({
    ...clientConfig,
    application_name: 'tenantry-stall-probe',
    stream: () => socket,
  });
  probe.on('error', () => {});
  const timer = setTimeout(() => socket.destroy(), timeoutMs).unref();
  try {
    await probe.connect();
    const { rows } = await probe.query<{
      pid: number;
      start: string;
      state: string | null;
      settled: boolean;
      writing: boolean;
    }>(
      `SELECT pid, ${sessionStart('backend_start')} AS start, state,
              now() - state_change > make_interval(secs => $2::int / 1000.0) AS settled,
              wait_event IS NOT DISTINCT FROM 'ClientWrite' AS writing
         FROM pg_stat_activity WHERE pid = ANY($1::int[])`,
      [sessions.map((s) => s.pid), IDLE_GRACE_MS],
    );
    const lost = sessions.map((session, i) => {
      const row = rows.find((r) => r.pid === session.pid && r.start === session.start);
      const gone = !row || (row.state !== 'active' && row.settled) || (row.state === 'active' && row.writing);
      return gone && stillStuck(i);
    });
    const ending = sessions.filter((_, i) => lost[i]);
    if (ending.length > 0) {
      await probe
        .query(
          `SELECT pg_terminate_backend(a.pid) FROM pg_stat_activity a
             JOIN unnest($1::int[], $2::text[]) AS t(pid, start)
               ON a.pid = t.pid AND ${sessionStart('a.backend_start')} = t.start`,
          [ending.map((s) => s.pid), ending.map((s) => s.start)],
        )
        .catch(() => {});
    }
    await probe.end().catch(() => {});
    return lost;
  } catch (err) {
    // A name that did not resolve says nothing of connections already open to the server.
    const lookup = /^EAI_/.test(String((err as { code?: unknown }).code ?? ''));
    return socket.bytesRead === 0 && isConnectionError(err) && !lookup ? 'unreachable' : 'unknown';
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}
