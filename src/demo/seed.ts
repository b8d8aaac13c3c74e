import { sql } from 'kysely';
import type pg from 'pg';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { migrateControlPlane } from '../db/migrate.ts';
import { findTenant } from '../db/tenants.ts';
import { createExport } from '../exports/create.ts';
import { createTenantKey } from '../lifecycle/keys.ts';
import { provision } from '../lifecycle/provision.ts';
import { dispatchMany, registry, type TypedSpec } from '../tasks/index.ts';
import { tenantSchema } from '../tenancy.ts';

export interface DemoTenant {
  id: string;
  name: string;
  plan: string;
  /** A fresh key named `demo`, shown once. */
  key: string;
  created: boolean;
  clients: number;
  appointments: number;
  jobs: number;
  exportId: string;
}

const TENANTS = [
  { id: 'acme-clinic', name: 'Acme Clinic', plan: 'pro' },
  { id: 'globex-dental', name: 'Globex Dental', plan: 'business' },
  { id: 'initech-vet', name: 'Initech Vet', plan: 'free' },
];

const FIRST = ['Ana', 'Bruno', 'Carla', 'Diego', 'Elena', 'Farid', 'Greta', 'Hugo', 'Inés', 'Jonas'];
const LAST = ['García', 'Silva', 'Novak', 'Okafor', 'Rossi', 'Tanaka', 'Müller', 'Haddad'];
const SERVICES = ['check-up', 'cleaning', 'consultation', 'follow-up', 'vaccination'];

/** Clients (with a company context for the AI task) and appointments over the coming two weeks. */
async function addClientsAndAppointments(db: Db, tenantId: string, seed: number) {
  const schema = sql.id(tenantSchema(tenantId));
  const clients = 8;
  const names = Array.from({ length: clients }, (_, i) => {
    const first = FIRST[(seed * 3 + i) % FIRST.length]!;
    const last = LAST[(seed + i * 5) % LAST.length]!;
    return {
      name: `${first} ${last}`,
      email: `${first}.${last}@example.com`
        .toLowerCase()
        .normalize('NFKD')
        .replace(/[^\x20-\x7e]/g, ''),
    };
  });
  const { rows } = await sql<{ id: string }>`
    INSERT INTO ${schema}.clients (name, email, phone, company_context)
    SELECT c->>'name', c->>'email', '+3460000' || lpad((${seed} * 100 + ord)::text, 4, '0'),
           'Runs a small business; prefers morning appointments and reminders by SMS.'
    FROM jsonb_array_elements(${JSON.stringify(names)}::jsonb) WITH ORDINALITY AS t(c, ord)
    RETURNING id`.execute(db);
  const appointments = rows.flatMap((client, i) =>
    [0, 1].map((k) => ({
      client_id: client.id,
      days: 1 + ((i * 3 + k * 5 + seed) % 14),
      hour: 9 + ((i + k) % 8),
      service: SERVICES[(i + k + seed) % SERVICES.length]!,
      status: k === 1 && i % 3 === 0 ? 'confirmed' : 'scheduled',
    })),
  );
  const inserted = await sql<{ id: string }>`
    INSERT INTO ${schema}.appointments (client_id, starts_at, ends_at, status, service)
    SELECT (a->>'client_id')::bigint,
           date_trunc('day', now()) + make_interval(days => (a->>'days')::int, hours => (a->>'hour')::int),
           date_trunc('day', now()) + make_interval(days => (a->>'days')::int, hours => (a->>'hour')::int, mins => 30),
           a->>'status', a->>'service'
    FROM jsonb_array_elements(${JSON.stringify(appointments)}::jsonb) AS t(a)
    RETURNING id`.execute(db);
  return { clientIds: rows.map((r) => Number(r.id)), appointmentIds: inserted.rows.map((r) => Number(r.id)) };
}

/** A mix of quick, slow (with progress), failing and delayed jobs for one tenant. */
function demoJobs(tenant: string, clientIds: number[], appointmentIds: number[], seed: number): TypedSpec[] {
  const phone = (i: number) => `+346000${seed}${String(i).padStart(4, '0')}`;
  const specs: TypedSpec[] = [];
  for (let i = 0; i < 5; i++) {
    specs.push({
      task: 'send-notification',
      tenant,
      payload: {
        channel: i % 2 ? 'whatsapp' : 'sms',
        to: phone(i),
        message: 'Your appointment is confirmed.',
      },
    });
  }
  for (const id of appointmentIds.slice(0, 3)) {
    specs.push({
      task: 'send-appointment-email',
      tenant,
      payload: { appointment_id: id, kind: 'confirmation' },
      source: { type: 'appointment', id: String(id) },
    });
  }
  for (const id of clientIds.slice(0, 2)) {
    specs.push({
      task: 'process-company-context',
      tenant,
      payload: { client_id: id },
      source: { type: 'client', id: String(id) },
    });
  }
  specs.push(
    // One slow job per tenant at a time, so quick jobs still find free worker slots.
    { task: 'demo-slow', tenant, payload: { seconds: 20 + seed * 10, steps: 20 } },
    { task: 'demo-slow', tenant, payload: { seconds: 60, steps: 30 }, queue: 'reports', delayMs: 60_000 },
    { task: 'demo-failing', tenant, payload: { message: 'the payment provider answered 503' } },
    // Delayed: they show as waiting on the Queues page, then run.
    {
      task: 'send-notification',
      tenant,
      payload: { channel: 'sms', to: phone(9), message: 'Reminder: your appointment is tomorrow.' },
      delayMs: 2 * 60_000,
    },
    { task: 'demo-slow', tenant, payload: { seconds: 20, steps: 10 }, delayMs: 5 * 60_000 },
  );
  return specs;
}

/**
 * `tenantry demo`: three tenants with clients and appointments, and for each a mix of jobs
 * (quick, slow with progress, failing, delayed) and an export, so the dashboard has something
 * to show. Run it again for more jobs; existing demo tenants are kept and get a new key.
 */
export async function seedDemo(deps: { db: Db; pool: pg.Pool; config: Config }): Promise<DemoTenant[]> {
  const { db, config } = deps;
  await migrateControlPlane(db, deps.pool);
  const out: DemoTenant[] = [];
  for (const [seed, t] of TENANTS.entries()) {
    const existing = await findTenant(db, t.id);
    if (!existing) await provision({ db, config }, { id: t.id, name: t.name, plan: t.plan, owner: null });
    const { key } = await createTenantKey(db, t.id, 'demo');
    const { clientIds, appointmentIds } = await addClientsAndAppointments(db, t.id, seed + 1);
    const jobs = await dispatchMany(db, demoJobs(t.id, clientIds, appointmentIds, seed + 1));
    const exported = await createExport(db, registry, {
      tenantId: t.id,
      type: 'clients',
      format: 'csv',
      filters: {},
      ttlHours: config.exportTtlHours,
    });
    out.push({
      ...t,
      key,
      created: !existing,
      clients: clientIds.length,
      appointments: appointmentIds.length,
      jobs: jobs.length + 1,
      exportId: exported.id,
    });
  }
  return out;
}
