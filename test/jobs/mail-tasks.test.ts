import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.ts';
import { suspend } from '../../src/lifecycle/status.ts';
import { dispatch, registry } from '../../src/tasks/index.ts';
import type { WorkerService } from '../../src/worker/runner.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { clinicMailer, startSmtp } from '../helpers/smtp.ts';
import { createTenantWithSchema, startTestWorker, waitForStatus } from '../helpers/worker.ts';

/** Appointment reminders (the seed's "24 hours before") and the composed mail of the Go seed. */
describe('mail tasks', () => {
  let tdb: TestDatabase;
  let worker: WorkerService;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  const clinic = sql.id('tenant_clinic');

  /** An appointment `hours` from now, of a client with an address; returns its id. */
  const appointment = async (hours: number, status = 'scheduled', name = 'Ana') =>
    Number(
      (
        await sql<{ id: string }>`
          WITH c AS (INSERT INTO ${clinic}.clients (name, email) VALUES (${name}, ${`${name.toLowerCase()}@example.test`}) RETURNING id)
          INSERT INTO ${clinic}.appointments (client_id, starts_at, status, service)
          SELECT id, now() + make_interval(hours => ${hours}), ${status}, 'Fisioterapia' FROM c RETURNING id`.execute(
          tdb.db,
        )
      ).rows[0]!.id,
    );
  const sentTo = (address: string) => smtp.messages.filter((m) => m.to.includes(address));
  /** The Subject header, its folded lines joined and its quoted-printable words decoded. */
  const subjectOf = (raw: string) =>
    (raw.match(/^Subject: (.*(?:\r?\n[ \t].*)*)/m)?.[1] ?? '')
      .replace(/\r?\n[ \t]/g, ' ')
      .replace(/=\?UTF-8\?Q\?(.*?)\?=\s*/gi, (_, word: string) =>
        Buffer.from(
          word
            .replace(/_/g, ' ')
            .replace(/=([0-9A-F]{2})/gi, (__, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
          'latin1',
        ).toString('utf8'),
      );

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    smtp = await startSmtp();
    await createTenantWithSchema(tdb, { id: 'clinic', name: 'Clínica Sol', settings: { language: 'en' } });
    await createTenantWithSchema(tdb, { id: 'closed' });
    await suspend(tdb.db, 'closed', 'unpaid');
    worker = await startTestWorker(tdb, {
      registry,
      services: { mailer: clinicMailer(smtp.port) },
    });
  });
  afterAll(async () => {
    await worker.stop();
    await smtp.close();
    await tdb.close();
  });

  it('skips a reminder of an appointment that is cancelled, took place or has begun, and names the day', async () => {
    const reminder = async (id: number) =>
      waitForStatus(
        tdb.db,
        (
          await dispatch(
            tdb.db,
            'send-appointment-email',
            { appointment_id: id, kind: 'reminder' },
            { tenant: 'clinic' },
          )
        ).id,
        ['completed', 'failed'],
      );
    expect((await reminder(await appointment(3, 'cancelled', 'Cal'))).result).toEqual({
      skipped: 'the appointment is cancelled',
      kind: 'reminder',
    });
    expect((await reminder(await appointment(-3, 'completed', 'Tom'))).result).toMatchObject({
      skipped: 'the appointment took place',
    });
    expect((await reminder(await appointment(-1, 'scheduled', 'Pat'))).result).toMatchObject({
      skipped: 'the appointment has begun',
    });
    expect(sentTo('cal@example.test').concat(sentTo('tom@example.test'), sentTo('pat@example.test'))).toEqual(
      [],
    );

    // Ten days ahead: sent, and the subject says when (not "tomorrow").
    const log = await reminder(await appointment(240, 'confirmed', 'Eva'));
    expect(log.result).toMatchObject({ to: 'eva@example.test', kind: 'reminder' });
    const [mail] = sentTo('eva@example.test');
    expect(subjectOf(mail!.raw)).toMatch(
      /^Reminder: your appointment on [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M — Clínica Sol$/,
    );
  });

  it('queues one reminder for each appointment starting within 24 hours, of active tenants only', async () => {
    const soon = await appointment(2, 'scheduled', 'Soon');
    const confirmed = await appointment(23, 'confirmed', 'Conf');
    await appointment(30, 'scheduled', 'Later');
    await appointment(5, 'cancelled', 'Gone');
    await appointment(-2, 'scheduled', 'Past');
    await sql`INSERT INTO tenant_closed.clients (name, email) VALUES ('X', 'x@example.test')`.execute(tdb.db);
    await sql`INSERT INTO tenant_closed.appointments (client_id, starts_at)
      SELECT id, now() + interval '2 hours' FROM tenant_closed.clients`.execute(tdb.db);

    const run = async () =>
      (await waitForStatus(tdb.db, (await dispatch(tdb.db, 'appointment-reminders', {})).id, ['completed']))
        .result;
    expect(await run()).toMatchObject({ results: { clinic: { queued: 2 }, closed: { queued: 0 } } });
    // However often it runs: each appointment has its one reminder.
    expect(await run()).toMatchObject({ results: { clinic: { queued: 0 } } });

    const { rows } = await sql<{ source_id: string; status: string }>`
      SELECT source_id, status FROM tenantry.job_logs
      WHERE task = 'send-appointment-email' AND source_type = 'appointment' ORDER BY source_id::bigint`.execute(
      tdb.db,
    );
    expect(rows.map((r) => r.source_id)).toEqual([String(soon), String(confirmed)]);
    await expect.poll(() => sentTo('soon@example.test').length + sentTo('conf@example.test').length).toBe(2);
    expect(sentTo('later@example.test').concat(sentTo('x@example.test'))).toEqual([]);

    // Moved to another time: owed a reminder for the new one.
    await sql`UPDATE ${clinic}.appointments SET starts_at = now() + interval '20 hours' WHERE id = ${soon}`.execute(
      tdb.db,
    );
    expect(await run()).toMatchObject({ results: { clinic: { queued: 1 } } });
  });

  it('sends a mail the caller composed to one of its clients, no one else, and refuses a header-breaking subject', async () => {
    await sql`INSERT INTO ${clinic}.clients (name, email) VALUES ('Ops', 'Ops@Example.test')`.execute(tdb.db);
    const send = async (to: string) =>
      waitForStatus(
        tdb.db,
        (
          await dispatch(
            tdb.db,
            'send-email',
            { to, subject: 'Weekly summary', text: 'All good.' },
            { tenant: 'clinic' },
          )
        ).id,
        ['completed', 'failed'],
      );
    expect((await send('ops@example.test')).result).toMatchObject({ to: 'ops@example.test' });
    expect(sentTo('ops@example.test')[0]!.raw).toContain('All good.');
    // Not a relay: an address that is none of the tenant's clients fails, once, unsent.
    expect(await send('anyone@elsewhere.test')).toMatchObject({
      status: 'failed',
      attempts: 1,
      error_message: "anyone@elsewhere.test is not the address of one of the tenant's clients",
    });
    expect(sentTo('anyone@elsewhere.test')).toEqual([]);

    const refused = dispatch(
      tdb.db,
      'send-email',
      { to: 'ops@example.test', subject: 'Hi\r\nBcc: all@example.test', text: 'x' },
      { tenant: 'clinic' },
    );
    await expect(refused).rejects.toBeInstanceOf(AppError);
    await expect(refused).rejects.toMatchObject({ code: 'validation_failed' });
  });
});
