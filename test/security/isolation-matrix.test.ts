import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import type { App } from '../../src/http/app.ts';
import type { TaskDefinition } from '../../src/jobs/define.ts';
import { registry } from '../../src/tasks/index.ts';
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts';
import { cloneTestDatabase } from '../helpers/database.ts';
import {
  documentWithoutDatabase,
  fetchDocument,
  fillPath,
  isPublic,
  type JsonSchema,
  type Operation,
  operationsOf,
  problemShapeErrors,
  queryString,
  type Sent,
  send,
} from './fixtures/http.ts';
import { DASHBOARD_OPERATIONS } from './fixtures/matrix-dashboard.ts';
import { EXPORT_OPERATIONS } from './fixtures/matrix-exports.ts';
import { FILE_OPERATIONS } from './fixtures/matrix-files.ts';
import { JOB_OPERATIONS } from './fixtures/matrix-jobs.ts';
import { LIMIT_OPERATIONS } from './fixtures/matrix-limits.ts';
import { TENANT_OPERATIONS } from './fixtures/matrix-tenants.ts';
import {
  type Attack,
  asJson,
  type Classified,
  notification,
  type Req,
  type World,
} from './fixtures/matrix-world.ts';
import { deref, jsonBodySchema, minimalValue, variantsOf } from './fixtures/schema.ts';
import { seedTenant, separateIdRanges, tenantSnapshot } from './fixtures/world.ts';

/*
 * Two tenants, acme (the attacker's key) and globex (the victim, with one of every resource),
 * plus initech, on which the admin's positive controls act. Every operation of the live
 * OpenAPI document is classified below; an operation without a classification fails.
 */

// The route table, known at collection time: each operation gets its own tests.
const DOC = await documentWithoutDatabase();
const OPERATIONS = operationsOf(DOC);
/** Dispatch, for the task checks (kept even if the document lost it, so those fail on their own). */
const OPERATION_JOBS: Operation = OPERATIONS.find((op) => op.name === 'POST /api/jobs') ?? {
  method: 'POST',
  path: '/api/jobs',
  name: 'POST /api/jobs',
  spec: { responses: {} },
};

const CLASSIFICATION: Record<string, Classified> = {
  ...TENANT_OPERATIONS,
  ...LIMIT_OPERATIONS,
  ...JOB_OPERATIONS,
  ...EXPORT_OPERATIONS,
  ...FILE_OPERATIONS,
  ...DASHBOARD_OPERATIONS,
};

let app: App;
let w: World;
let globexBefore: Awaited<ReturnType<typeof tenantSnapshot>>;

const admin = bearer(ADMIN_KEY);

/** A fresh client address per unauthenticated request, so the failed-auth throttle never answers instead. */
let addresses = 0;
const nextAddress = () => {
  addresses++;
  return `127.9.${Math.floor(addresses / 250)}.${(addresses % 250) + 1}`;
};

function call(op: Operation, req: Req, auth: Record<string, string>, remoteAddress?: string) {
  const hasBody = req.body !== undefined;
  return send(app, {
    method: op.method,
    url: req.url,
    headers: { ...(hasBody ? { 'content-type': 'application/json' } : {}), ...auth, ...req.headers },
    ...(hasBody ? { payload: JSON.stringify(req.body) } : {}),
    ...(remoteAddress ? { remoteAddress } : {}),
  });
}

const describeRequest = (op: Operation, req: Req) =>
  `${op.method} ${req.url}${req.body === undefined ? '' : ` ${JSON.stringify(req.body)}`}`;

/**
 * What a response to acme must never contain: another tenant's markers (unless acme itself
 * wrote them into the request), or any object saying it belongs to another tenant.
 */
function leaksTo(sent: Sent, req: Req): string[] {
  const requestText = JSON.stringify(req);
  const text = `${JSON.stringify(sent.headers)}\n${sent.body}`;
  const found: string[] = [];
  for (const victim of [w.globex, w.initech]) {
    for (const marker of victim.markers) {
      if (!requestText.includes(marker) && text.includes(marker)) found.push(`${victim.id} marker ${marker}`);
    }
  }
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const tenant = (value as { tenant?: unknown }).tenant;
      if (typeof tenant === 'string' && tenant !== 'acme') found.push(`an object of tenant ${tenant}`);
      Object.values(value).forEach(walk);
    }
  };
  walk(sent.json);
  return found;
}

function expectRefusal(sent: Sent, req: Req, op: Operation, statuses: number[]) {
  const what = describeRequest(op, req);
  expect(sent.status, `${what} answered ${sent.status}: ${sent.body.slice(0, 300)}`).toBeLessThan(500);
  expect(statuses, `${what} answered ${sent.status}: ${sent.body.slice(0, 300)}`).toContain(sent.status);
  if (sent.status >= 400) expect(problemShapeErrors(sent), what).toEqual([]);
  expect(leaksTo(sent, req), `${what} leaked`).toEqual([]);
}

/**
 * Requests built from the document alone: each tenant-id path parameter is globex, each
 * numeric id one of globex's resource ids, a `tenant` query parameter or body field globex,
 * other required inputs their smallest valid value. New operations are covered unclassified.
 */
function globexSubstitutions(op: Operation): Req[] {
  const params = op.spec.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const g = w.globex;
  const numericIds = [
    g.jobs.pending,
    g.jobs.cancelled,
    g.jobs.old,
    g.exports.pending,
    g.exports.completed,
    g.keyId,
    g.backup.id,
  ];
  let pathValues: Record<string, string>[] = [{}];
  for (const p of pathParams) {
    const pattern = typeof p.schema?.pattern === 'string' ? new RegExp(p.schema.pattern, 'u') : undefined;
    const choices = pattern && !pattern.test('globex') ? numericIds : ['globex'];
    pathValues = pathValues.flatMap((v) => choices.map((c) => ({ ...v, [p.name]: c })));
  }
  const query: [string, string][] = [];
  for (const p of params.filter((p) => p.in === 'query')) {
    if (p.name === 'tenant') query.push(['tenant', 'globex']);
    else if (p.required) query.push([p.name, String(minimalValue(DOC, p.schema ?? {}))]);
  }
  const body = jsonBodySchema(op);
  let payload: unknown;
  if (body) {
    payload = minimalValue(DOC, body.schema);
    let schema: JsonSchema = deref(DOC, body.schema);
    while (variantsOf(schema)?.[0]) schema = deref(DOC, variantsOf(schema)![0]!);
    const properties = (schema.properties ?? {}) as Record<string, unknown>;
    if (payload && typeof payload === 'object' && !Array.isArray(payload) && 'tenant' in properties) {
      payload = { ...(payload as object), tenant: 'globex' };
    }
  }
  return pathValues.map((values) => ({
    url: `${fillPath(op.path, values)}${queryString(query)}`,
    ...(payload === undefined ? {} : { body: payload }),
  }));
}

let backupDir: string | undefined;

beforeAll(async () => {
  const tdb = await cloneTestDatabase();
  await separateIdRanges(tdb);
  const acme = await seedTenant(tdb, 'acme');
  const globex = await seedTenant(tdb, 'globex');
  const initech = await seedTenant(tdb, 'initech');
  // The recorded backups' files, where the API looks for them (a row alone is a lost file).
  backupDir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-matrix-backups-'));
  for (const t of [acme, globex, initech]) {
    await mkdir(path.join(backupDir, t.id), { recursive: true });
    await writeFile(path.join(backupDir, t.id, t.backup.fileName), 'archive');
  }
  app = await buildTestApp(tdb.db, {}, registry, {
    connectionString: tdb.url,
    config: parseConfig({ LOG_LEVEL: 'silent', CALLBACK_ALLOW_PRIVATE: 'true', BACKUP_DIR: backupDir }),
  });
  const idempotentBody = notification();
  const first = await send(app, {
    method: 'POST',
    url: '/api/jobs',
    headers: { ...globex.headers, 'content-type': 'application/json', 'idempotency-key': 'globex-order-1' },
    payload: JSON.stringify(idempotentBody),
  });
  expect(first.status).toBe(202);
  w = {
    app,
    tdb,
    acme,
    globex,
    initech,
    globexIdempotent: { key: 'globex-order-1', body: idempotentBody, id: String(asJson(first).id) },
  };
  globexBefore = await tenantSnapshot(tdb, 'globex');
});

afterAll(async () => {
  await app?.close();
  await w?.tdb.close();
  if (backupDir) await rm(backupDir, { recursive: true, force: true });
});

describe('the live document', () => {
  it('is the document the suite was collected from, and every operation in it is classified', async () => {
    const live = await fetchDocument(app);
    expect(operationsOf(live).map((op) => op.name)).toEqual(OPERATIONS.map((op) => op.name));
    const unclassified = OPERATIONS.filter((op) => !CLASSIFICATION[op.name]).map((op) => op.name);
    expect(unclassified, 'operations with no isolation classification').toEqual([]);
    const stale = Object.keys(CLASSIFICATION).filter((name) => !OPERATIONS.some((op) => op.name === name));
    expect(stale, 'classified operations the document no longer has').toEqual([]);
  });

  it('marks exactly the public operations public', () => {
    for (const op of OPERATIONS) {
      const c = CLASSIFICATION[op.name];
      if (c) expect(isPublic(op), `${op.name} security`).toBe(c.access === 'public');
    }
  });

  it('serves the document and the docs without a key', async () => {
    const doc = await send(app, { method: 'GET', url: '/openapi.json', remoteAddress: nextAddress() });
    expect(doc.status).toBe(200);
    const docs = await send(app, { method: 'GET', url: '/docs/', remoteAddress: nextAddress() });
    expect(docs.status).toBe(200);
    for (const sent of [doc, docs]) {
      for (const marker of [...w.globex.markers, ...w.acme.markers]) expect(sent.body).not.toContain(marker);
    }
  });
});

describe.each(OPERATIONS.map((op) => [op.name, op] as const))('%s', (_name, op) => {
  const classified = () => {
    const c = CLASSIFICATION[op.name];
    if (!c) throw new Error(`${op.name} has no isolation classification: add it to CLASSIFICATION`);
    return c;
  };

  it('without a key: 401 (or served, when public)', async () => {
    const c = classified();
    const req = c.target(w);
    const variants: Record<string, string>[] = [
      {},
      { authorization: 'Bearer tnt_not-a-key-0123456789' },
      { authorization: `Basic ${Buffer.from(`acme:${w.acme.key}`).toString('base64')}` },
      { authorization: `Bearer ${w.globex.key.slice(0, -1)}` },
    ];
    for (const headers of variants) {
      const sent = await call(op, req, headers, nextAddress());
      const what = `${describeRequest(op, req)} with ${JSON.stringify(headers)}`;
      if (c.access === 'public') {
        expect(sent.status, what).toBe(200);
      } else {
        expect(sent.status, `${what}: ${sent.body.slice(0, 200)}`).toBe(401);
        expect(problemShapeErrors(sent), what).toEqual([]);
      }
      for (const marker of [...w.globex.markers, ...w.acme.markers])
        expect(sent.body, what).not.toContain(marker);
    }
  });

  it('positive control: works for whom it is meant', async () => {
    const c = classified();
    const control = await c.control(w);
    const auth = control.as === 'admin' ? admin : control.as === 'acme' ? w.acme.headers : {};
    const sent = await call(op, control.req, auth);
    expect(sent.status, `${describeRequest(op, control.req)}: ${sent.body.slice(0, 300)}`).toBe(
      control.status,
    );
    if (control.as === 'acme') expect(leaksTo(sent, control.req)).toEqual([]);
    await control.check?.(sent, w);
  });

  it("refuses acme's key on globex and on admin work", async () => {
    const c = classified();
    const defaults = c.access === 'admin' ? [403] : c.access === 'public' ? [200] : [403, 404];
    const attacks: Attack[] = [{ req: c.target(w), statuses: c.ownScope ? [200, 400, 403, 404] : defaults }];
    attacks.push(...(c.attacks?.(w) ?? []));
    for (const attack of attacks) {
      const sent = await call(op, attack.req, w.acme.headers);
      expectRefusal(sent, attack.req, op, attack.statuses ?? defaults);
      await attack.check?.(sent, w);
    }
  });

  it("acme's key with globex's identifiers in every input never reaches globex", async () => {
    const c = classified();
    for (const req of globexSubstitutions(op)) {
      const sent = await call(op, req, w.acme.headers);
      const what = `${describeRequest(op, req)} answered ${sent.status}: ${sent.body.slice(0, 300)}`;
      expect(sent.status, what).toBeLessThan(500);
      if (c.access === 'admin') expect(sent.status, what).toBe(403);
      else if (c.access === 'tenant' && !c.ownScope) expect(sent.status, what).toBeGreaterThanOrEqual(400);
      expect(leaksTo(sent, req), `${what} leaked`).toEqual([]);
    }
  });

  if (CLASSIFICATION[op.name]?.ownerCanRead) {
    it('the same request with globex’s own key succeeds: what acme was refused exists', async () => {
      const req = classified().target(w);
      const sent = await call(op, req, w.globex.headers);
      expect(sent.status, `${describeRequest(op, req)}: ${sent.body.slice(0, 300)}`).toBe(200);
    });
  }
});

/**
 * What a task's own dispatch check (checkPayload) or a string format wants beyond the schema's
 * minimal value.
 */
const SAMPLE_EXTRAS: Record<string, Record<string, unknown>> = {
  'tenant-maintenance': { analyze: true },
  'send-email': { to: 'ops@example.test' },
};

/** The smallest payload the task accepts, naming `tenant` when the payload has such a field. */
function samplePayload(definition: TaskDefinition, tenant: string): unknown {
  const schema = JSON.parse(JSON.stringify(definition.payload)) as JsonSchema;
  const payload = {
    ...(minimalValue(DOC, schema) as Record<string, unknown>),
    ...SAMPLE_EXTRAS[definition.name],
  };
  if ((schema.properties as Record<string, unknown> | undefined)?.tenant) payload.tenant = tenant;
  expect(definition.check.Check(payload), `sample payload of ${definition.name}`).toBe(true);
  return payload;
}

describe('every registered task, dispatched over HTTP', () => {
  const post = (body: unknown, headers: Record<string, string>) =>
    send(app, {
      method: 'POST',
      url: '/api/jobs',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const logsOf = async (task: string) =>
    (
      await sql<{ tenant_id: string | null }>`
        SELECT tenant_id FROM tenantry.job_logs WHERE task = ${task}`.execute(w.tdb.db)
    ).rows;

  it('declares one of the three audiences', () => {
    for (const d of registry.all()) expect(['tenant', 'admin', 'system'], d.name).toContain(d.audience);
  });

  it.each(registry.all().map((d) => [d.name, d.audience, d] as const))(
    '%s (%s)',
    async (name, audience, d) => {
      const before = await logsOf(name);
      if (audience === 'tenant') {
        const payload = samplePayload(d, 'acme');
        const own = await post({ task: name, payload, delay_ms: 3_600_000 }, w.acme.headers);
        expect(own.status, own.body).toBe(202);
        expect(asJson(own)).toMatchObject({ task: name, tenant: 'acme' });
        const named = await post(
          { task: name, payload, tenant: 'acme', delay_ms: 3_600_000 },
          w.acme.headers,
        );
        expect(named.status, named.body).toBe(202);
        const foreign = { task: name, payload, tenant: 'globex', delay_ms: 3_600_000 };
        const refused = await post(foreign, w.acme.headers);
        expectRefusal(refused, { url: '/api/jobs', body: foreign }, OPERATION_JOBS, [403]);
        expect(asJson(refused).field).toBe('tenant');
        const after = await logsOf(name);
        expect(after.length).toBe(before.length + 2);
        expect(after.filter((r) => r.tenant_id === 'globex').length).toBe(
          before.filter((r) => r.tenant_id === 'globex').length,
        );
        return;
      }
      for (const tenant of ['globex', 'acme']) {
        const body = { task: name, payload: samplePayload(d, tenant) };
        const sent = await post(body, w.acme.headers);
        expectRefusal(sent, { url: '/api/jobs', body }, OPERATION_JOBS, [403]);
        expect(asJson(sent).field).toBe('task');
      }
      const byAdmin = await post(
        { task: name, payload: samplePayload(d, 'initech'), delay_ms: 3_600_000 },
        admin,
      );
      if (audience === 'system') {
        expect(byAdmin.status, byAdmin.body).toBe(403);
        expect(await logsOf(name)).toEqual(before);
      } else {
        expect(byAdmin.status, byAdmin.body).toBe(202);
        expect(asJson(byAdmin).tenant).toBeNull();
        expect((await logsOf(name)).length).toBe(before.length + 1);
      }
    },
  );
});

describe('globex afterwards', () => {
  it('has every row, status, key, file, cache entry and secret it had', async () => {
    expect(await tenantSnapshot(w.tdb, 'globex')).toEqual(globexBefore);
  });

  it('still works with its own key', async () => {
    const tenant = await send(app, { method: 'GET', url: '/api/tenants/globex', headers: w.globex.headers });
    expect(tenant.status).toBe(200);
    expect(asJson(tenant)).toMatchObject({ id: 'globex', status: 'active', name: w.globex.name });
    const stats = await send(app, {
      method: 'GET',
      url: '/api/tenants/globex/cache/stats',
      headers: w.globex.headers,
    });
    expect(asJson(stats)).toMatchObject({ entries: w.globex.cacheKeys.length });
    const log = await send(app, {
      method: 'GET',
      url: `/api/job-logs/${w.globex.jobs.pending}`,
      headers: w.globex.headers,
    });
    expect(asJson(log)).toMatchObject({ status: 'pending', tenant: 'globex' });
  });
});
