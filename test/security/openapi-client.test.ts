import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { buildTestApp, tenantsWithKeys } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { fetchDocument } from './fixtures/http.ts';

/*
 * A typed client generated from the live document (openapi-typescript), used through
 * openapi-fetch: the payloads below are checked by `tsc --noEmit` against the document's
 * per-task JobRequest variants, a wrong payload fails to compile, and the good client runs
 * against the API on loopback.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

const CLIENT = `import createClient from 'openapi-fetch';
import type { paths } from './api.ts';

export type TenantryClient = ReturnType<typeof tenantryClient>;

export function tenantryClient(baseUrl: string, key: string) {
  return createClient<paths>({ baseUrl, headers: { authorization: \`Bearer \${key}\` } });
}

/** One SMS notification for the key's own tenant. */
export async function dispatchSms(client: TenantryClient) {
  const { data, error, response } = await client.POST('/api/jobs', {
    body: { task: 'send-notification', payload: { channel: 'sms', to: '+34600000000', message: 'hola' } },
  });
  if (error) throw new Error(\`dispatch failed: \${response.status} \${error.detail}\`);
  if (Array.isArray(data)) throw new Error('one job was dispatched, not a list');
  const id: string = data.id;
  const status: 'pending' | 'cancelled' = data.status;
  return { status: response.status, id, jobStatus: status, tenant: data.tenant, task: data.task };
}

/** A reminder email and a WhatsApp message in one transaction, idempotently, an hour from now. */
export async function dispatchBatch(client: TenantryClient) {
  const { data, error, response } = await client.POST('/api/jobs', {
    params: { header: { 'idempotency-key': 'client-test-batch' } },
    body: [
      {
        task: 'send-appointment-email',
        payload: { appointment_id: 42, kind: 'reminder' },
        delay_ms: 3_600_000,
        source: { type: 'appointment', id: '42' },
      },
      {
        task: 'send-notification',
        payload: { channel: 'whatsapp', to: '+34600000001', message: 'recordatorio' },
        priority: 5,
        meta: { campaign: 'reminders' },
      },
    ],
  });
  if (error) throw new Error(\`dispatch failed: \${response.status} \${error.detail}\`);
  const jobs = Array.isArray(data) ? data : [data];
  return { status: response.status, tasks: jobs.map((job) => job.task), ids: jobs.map((job) => job.id) };
}
`;

/**
 * Each must fail to compile. tsc reports at `body` (a union: one job or an array of jobs) and
 * elaborates down to the payload: `says` is what the elaboration must name.
 */
const BAD_CLIENTS: Record<string, { source: string; says: RegExp[] }> = {
  'bad-channel.ts': {
    says: [
      /Types of property 'payload' are incompatible/,
      /Type '"fax"' is not assignable to type '"sms" \| "whatsapp" \| "calendar"'/,
    ],
    source: `import type { TenantryClient } from './client.ts';

export function wrongChannel(client: TenantryClient) {
  return client.POST('/api/jobs', {
    body: {
      task: 'send-notification',
      payload: { channel: 'fax', to: '+34600000000', message: 'hola' },
    },
  });
}
`,
  },
  'bad-missing-field.ts': {
    says: [/Types of property 'payload' are incompatible/, /Property 'message' is missing/],
    source: `import type { TenantryClient } from './client.ts';

export function missingMessage(client: TenantryClient) {
  return client.POST('/api/jobs', {
    body: {
      task: 'send-notification',
      payload: { channel: 'sms', to: '+34600000000' },
    },
  });
}
`,
  },
  'bad-other-task-payload.ts': {
    says: [/Types of property 'payload' are incompatible/, /appointment_id/],
    source: `import type { TenantryClient } from './client.ts';

export function payloadOfAnotherTask(client: TenantryClient) {
  return client.POST('/api/jobs', {
    body: {
      task: 'send-notification',
      payload: { appointment_id: 42, kind: 'reminder' },
    },
  });
}
`,
  },
};

const tsconfig = (files: string[]) =>
  JSON.stringify(
    {
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'ES2022',
        lib: ['ES2022', 'DOM'],
        module: 'ESNext',
        moduleResolution: 'Bundler',
        allowImportingTsExtensions: true,
        verbatimModuleSyntax: true,
        // Only what the files import; node_modules is the project's (symlinked).
        types: [],
        skipLibCheck: true,
        noErrorTruncation: true,
      },
      files,
    },
    null,
    2,
  );

interface Compiled {
  code: number;
  output: string;
}

function tsc(dir: string, project: string): Promise<Compiled> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [TSC, '--noEmit', '-p', path.join(dir, project), '--pretty', 'false'],
      { cwd: dir },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

describe('a client generated from /openapi.json', () => {
  let tdb: TestDatabase;
  let app: App;
  let dir: string;
  let acmeKey: string;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    const { acme } = await tenantsWithKeys(tdb, 'acme');
    acmeKey = acme.authorization!.replace(/^Bearer /, '');
    app = await buildTestApp(tdb.db);
    dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-client-'));
    // Types and openapi-fetch come from the project's node_modules.
    await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');

    const doc = await fetchDocument(app);
    const ast = await openapiTS(structuredClone(doc) as unknown as OpenAPI3);
    await writeFile(path.join(dir, 'api.ts'), astToString(ast));
    await writeFile(path.join(dir, 'client.ts'), CLIENT);
    await writeFile(path.join(dir, 'tsconfig.good.json'), tsconfig(['client.ts']));
    for (const [file, { source }] of Object.entries(BAD_CLIENTS))
      await writeFile(path.join(dir, file), source);
    // One project for the wrong clients: tsc reports every file's errors, each checked below.
    await writeFile(path.join(dir, 'tsconfig.bad.json'), tsconfig(Object.keys(BAD_CLIENTS)));
  });

  afterAll(async () => {
    await app?.close();
    await tdb?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('describes each task payload in the generated types', async () => {
    const { readFile } = await import('node:fs/promises');
    const types = await readFile(path.join(dir, 'api.ts'), 'utf8');
    expect(types).toContain('"JobRequest.send-notification"');
    expect(types).toMatch(/channel: "sms" \| "whatsapp" \| "calendar"/);
    // System tasks are not dispatchable over HTTP, so the document does not offer them.
    expect(types).not.toContain('"JobRequest.deliver-callback"');
  });

  it('compiles the client with tsc --noEmit, and refuses every wrong payload at the payload', async () => {
    const [good, bad] = await Promise.all([tsc(dir, 'tsconfig.good.json'), tsc(dir, 'tsconfig.bad.json')]);
    expect(good.output.trim()).toBe('');
    expect(good.code).toBe(0);
    expect(bad.code, `the wrong clients compiled: ${bad.output}`).not.toBe(0);
    // tsc's report, cut into one block per error (continuation lines are indented).
    const blocks = bad.output.split(/\n(?=\S)/);
    for (const [file, { source, says }] of Object.entries(BAD_CLIENTS)) {
      const output = blocks.filter((b) => b.startsWith(`${file}(`)).join('\n');
      const lines = source.split('\n');
      const from = lines.findIndex((l) => l.includes('body:')) + 1;
      const to = lines.findIndex((l) => l.includes('payload:')) + 1;
      // e.g. bad-channel.ts(5,5): error TS2322: Type '{ task: "send-notification"; payload: ...
      const located = [
        ...output.matchAll(new RegExp(`^${file.replace('.', '\\.')}\\((\\d+),\\d+\\): error TS\\d+`, 'gm')),
      ];
      expect(located.length, output).toBeGreaterThan(0);
      for (const [, line] of located) {
        expect(Number(line), `the error is in the dispatched body: ${output}`).toBeGreaterThanOrEqual(from);
        expect(Number(line), `the error is in the dispatched body: ${output}`).toBeLessThanOrEqual(to);
      }
      for (const pattern of says) expect(output).toMatch(pattern);
    }
  });

  it('dispatches with the generated client against the API on loopback', async () => {
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    expect(new URL(base).hostname).toBe('127.0.0.1');
    const client = (await import(pathToFileURL(path.join(dir, 'client.ts')).href)) as {
      tenantryClient(baseUrl: string, key: string): unknown;
      dispatchSms(
        client: unknown,
      ): Promise<{ status: number; id: string; jobStatus: string; tenant: string | null; task: string }>;
      dispatchBatch(client: unknown): Promise<{ status: number; tasks: string[]; ids: string[] }>;
    };
    const api = client.tenantryClient(base, acmeKey);

    const sms = await client.dispatchSms(api);
    expect(sms).toMatchObject({
      status: 202,
      jobStatus: 'pending',
      tenant: 'acme',
      task: 'send-notification',
    });
    const batch = await client.dispatchBatch(api);
    expect(batch.status).toBe(202);
    expect(batch.tasks).toEqual(['send-appointment-email', 'send-notification']);
    // The same Idempotency-Key replays the first answer.
    expect((await client.dispatchBatch(api)).ids).toEqual(batch.ids);

    const rows = await tdb.db
      .selectFrom('tenantry.job_logs')
      .select(['id', 'tenant_id', 'task', 'payload'])
      .where('id', 'in', [sms.id, ...batch.ids])
      .orderBy('id')
      .execute();
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.tenant_id === 'acme')).toBe(true);
    expect(rows[0]!.payload).toEqual({ channel: 'sms', to: '+34600000000', message: 'hola' });
  });
});
