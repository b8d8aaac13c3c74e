import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch, registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { clinicMailer, startSmtp } from '../helpers/smtp.ts';
import { createTenantWithSchema, startTestWorker, waitForStatus } from '../helpers/worker.ts';

type AiBehaviour = 'succeed' | 'fail' | 'hang';

async function startAi(): Promise<{
  url: string;
  behaviour: { mode: AiBehaviour };
  hits: string[];
  close: () => void;
}> {
  const behaviour = { mode: 'succeed' as AiBehaviour };
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      hits.push(body);
      if (behaviour.mode === 'fail') return res.writeHead(503).end('overloaded');
      if (behaviour.mode === 'hang') return; // never answers
      const { text } = JSON.parse(body) as { text: string };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ text: `SUMMARY: ${text.slice(0, 20)}` }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/chat`,
    behaviour,
    hits,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('example tasks', () => {
  let tdb: TestDatabase;
  let worker: WorkerService;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let ai: Awaited<ReturnType<typeof startAi>>;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    smtp = await startSmtp();
    ai = await startAi();
    await createTenantWithSchema(tdb, {
      id: 'clinic',
      name: 'Clínica Sol',
      settings: { timezone: 'Europe/Madrid', language: 'es' },
    });
    const env = { AI_ENDPOINT_URL: ai.url, AI_TIMEOUT_MS: '400' };
    worker = await startTestWorker(tdb, {
      registry,
      env,
      services: { mailer: clinicMailer(smtp.port) },
    });
  });
  afterAll(async () => {
    await worker.stop();
    await smtp.close();
    ai.close();
    await tdb.close();
  });

  const clinic = sql.id('tenant_clinic');

  it('send-appointment-email renders and delivers the mail over SMTP', async () => {
    const { rows } = await sql<{ id: string }>`
      WITH c AS (INSERT INTO ${clinic}.clients (name, email) VALUES ('Ana <b>', 'ana@example.test') RETURNING id)
      INSERT INTO ${clinic}.appointments (client_id, starts_at, service)
      SELECT id, '2026-12-01T09:30:00Z', 'Fisioterapia' FROM c RETURNING id`.execute(tdb.db);
    const job = await dispatch(
      tdb.db,
      'send-appointment-email',
      { appointment_id: Number(rows[0]!.id), kind: 'confirmation' },
      { tenant: 'clinic' },
    );
    const log = await waitForStatus(tdb.db, job.id, ['completed']);
    expect(log.result).toMatchObject({ to: 'ana@example.test', kind: 'confirmation' });
    expect(smtp.messages).toHaveLength(1);
    const [mail] = smtp.messages;
    expect(mail!.to).toEqual(['ana@example.test']);
    expect(mail!.from).toBe('citas@clinic.test');
    expect(mail!.raw).toMatch(/Subject: =\?UTF-8\?/); // non-ASCII subject, MIME-encoded
    expect(mail!.raw).toContain('Fisioterapia');
    expect(mail!.raw).toContain('10:30'); // 09:30 UTC shown in Europe/Madrid
    expect(mail!.raw).toContain('Ana &#60;b&#62;'); // escaped in the HTML part
  });

  it('send-appointment-email fails once, without retries, for a missing appointment', async () => {
    const job = await dispatch(
      tdb.db,
      'send-appointment-email',
      { appointment_id: 999_999, kind: 'reminder' },
      { tenant: 'clinic' },
    );
    const log = await waitForStatus(tdb.db, job.id, ['failed']);
    expect(log).toMatchObject({ attempts: 1, error_message: 'appointment 999999 does not exist' });
  });

  const client = async (context: string) =>
    (
      await sql<{ id: string }>`
        INSERT INTO ${clinic}.clients (name, company_context) VALUES ('Co', ${context}) RETURNING id`.execute(
        tdb.db,
      )
    ).rows[0]!.id;
  const contextOf = async (id: string) =>
    (
      await sql<{ company_context: string; company_context_original: string | null }>`
        SELECT company_context, company_context_original FROM ${clinic}.clients WHERE id = ${id}`.execute(
        tdb.db,
      )
    ).rows[0];

  it('process-company-context stores the processed text and keeps the original', async () => {
    ai.behaviour.mode = 'succeed';
    const id = await client('We repair bicycles in Sevilla since 1990.');
    const job = await dispatch(
      tdb.db,
      'process-company-context',
      { client_id: Number(id) },
      { tenant: 'clinic' },
    );
    await waitForStatus(tdb.db, job.id, ['completed']);
    expect(await contextOf(id)).toEqual({
      company_context: 'SUMMARY: We repair bicycles i',
      company_context_original: 'We repair bicycles in Sevilla since 1990.',
    });
  });

  it.each(['fail', 'hang'] as const)(
    'process-company-context keeps the original text when the AI service keeps %sing',
    async (mode) => {
      ai.behaviour.mode = mode;
      const id = await client(`Original context for ${mode}`);
      const job = await dispatch(
        tdb.db,
        'process-company-context',
        { client_id: Number(id) },
        { tenant: 'clinic', maxAttempts: 2 },
      );
      const log = await waitForStatus(tdb.db, job.id, ['failed'], 20_000);
      expect(log.attempts).toBe(2);
      expect(log.error_message).toMatch(mode === 'fail' ? /503/ : /timed out|timeout|aborted/i);
      expect(log.step).toBe('kept the original context');
      expect(await contextOf(id)).toEqual({
        company_context: `Original context for ${mode}`,
        company_context_original: null,
      });
    },
  );

  it('send-notification goes through the channel provider (logging by default)', async () => {
    const job = await dispatch(
      tdb.db,
      'send-notification',
      { channel: 'whatsapp', to: '+34600111222', message: 'Hola' },
      { tenant: 'clinic' },
    );
    const log = await waitForStatus(tdb.db, job.id, ['completed']);
    expect(log.result).toMatchObject({
      channel: 'whatsapp',
      provider: 'log',
      reference: expect.stringMatching(/^log-/),
    });
  });
});
