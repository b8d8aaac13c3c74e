import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { PROBE_TABLE_DDL, probe } from '../fixtures/tasks.ts';
import { buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestWorker } from '../helpers/worker.ts';

const tasks = registry.with([probe]);

interface SseEvent {
  event: string;
  data: { id: string; status: string; progress: number; step: string | null; error_message: string | null };
}

/** Reads a whole event stream (it ends after the terminal state) and parses its events. */
async function readStream(res: Response): Promise<{ events: SseEvent[]; comments: string[] }> {
  const text = await res.text();
  const events: SseEvent[] = [];
  const comments: string[] = [];
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter(Boolean);
    comments.push(...lines.filter((l) => l.startsWith(':')).map((l) => l.slice(1).trim()));
    const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
    const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
    if (event && data) events.push({ event, data: JSON.parse(data) });
  }
  return { events, comments };
}

describe('GET /api/job-logs/:id/events', () => {
  let tdb: TestDatabase;
  let app: App;
  let base: string;
  let acme: Record<string, string>;
  let globex: Record<string, string>;
  let worker: WorkerService;

  const dispatch = async (payload: object, runAt?: Date) =>
    (await dispatchJobs(tdb.db, tasks, [{ task: 'probe', tenant: 'acme', payload, runAt }]))[0]!.id;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await PROBE_TABLE_DDL.execute(tdb.db);
    ({ acme, globex } = await tenantsWithKeys(tdb, 'acme', 'globex'));
    app = await buildTestApp(tdb.db, {}, tasks, { connectionString: tdb.url });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
    worker = await startTestWorker(tdb, { registry: tasks });
  });
  afterAll(async () => {
    await worker.stop();
    await app.close();
    await tdb.close();
  });

  it('streams a running job to its terminal state and then ends', async () => {
    const id = await dispatch({ mode: 'sleep', ms: 300 });
    const res = await fetch(`${base}/api/job-logs/${id}/events`, { headers: acme });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { events, comments } = await readStream(res);
    expect(comments).toContain('connected');
    // Job states, then `end`, which lets a client close before the server does.
    expect(events.at(-1)!.event).toBe('end');
    const states = events.slice(0, -1);
    expect(states.every((e) => e.event === 'job' && e.data.id === id)).toBe(true);
    expect(states.at(-1)!.data).toMatchObject({ status: 'completed', progress: 100 });
    expect(res.headers.get('x-request-id')).toBeTruthy();
    // A browser reconnects when a stream ends; for a finished job it is told to stop (204).
    const again = await fetch(`${base}/api/job-logs/${id}/events`, {
      headers: { ...acme, 'last-event-id': '1' },
    });
    expect(again.status).toBe(204);
    // So is a polyfill that sends the id as a query parameter (it cannot set headers).
    const polyfill = await fetch(`${base}/api/job-logs/${id}/events?lastEventId=1`, { headers: acme });
    expect(polyfill.status).toBe(204);
  });

  it('pushes a change made through the API to a waiting client', async () => {
    const id = await dispatch({ mode: 'ok' }, new Date(Date.now() + 3_600_000));
    const res = await fetch(`${base}/api/job-logs/${id}/events`, { headers: acme });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while (!seen.includes('"status":"pending"')) seen += decoder.decode((await reader.read()).value);
    await fetch(`${base}/api/job-logs/${id}/cancel`, { method: 'POST', headers: acme });
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += decoder.decode(value);
    }
    expect(seen).toContain('"status":"cancelled"');
  });

  it('sends error messages without the server’s paths, as the job log itself does', async () => {
    const id = await dispatch({ mode: 'ok' }, new Date(Date.now() + 3_600_000));
    const root = process.cwd();
    await sql`UPDATE tenantry.job_logs SET status = 'failed', error_message = ${`could not read ${root}/src/x.ts`}
      WHERE id = ${id}`.execute(tdb.db);
    const res = await fetch(`${base}/api/job-logs/${id}/events`, { headers: acme });
    const { events } = await readStream(res);
    expect(events[0]!.data).toMatchObject({ status: 'failed', error_message: 'could not read src/x.ts' });
  });

  it('is 404 for another tenant’s job', async () => {
    const id = await dispatch({ mode: 'ok' }, new Date(Date.now() + 3_600_000));
    const res = await fetch(`${base}/api/job-logs/${id}/events`, { headers: globex });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });
});
