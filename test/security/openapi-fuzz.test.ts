import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.ts';
import { cancelJob } from '../../src/jobs/control.ts';
import { dispatchJobs } from '../../src/jobs/dispatch.ts';
import { registry } from '../../src/tasks/index.ts';
import { ADMIN_KEY, bearer, buildTestApp } from '../helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import {
  asParameterText,
  fuzzArbitrary,
  type GenContext,
  jsonText,
  type KnownValues,
  pathParamArbitrary,
  rawHostileBodies,
} from './fixtures/arbitraries.ts';
import {
  documentWithoutDatabase,
  encodeComponent,
  fetchDocument,
  type JsonSchema,
  type Operation,
  operationsOf,
  problemShapeErrors,
  type Sent,
  send,
} from './fixtures/http.ts';
import { jsonBodySchema } from './fixtures/schema.ts';
import { DocumentValidator } from './fixtures/validate.ts';
import { type SeededTenant, seedTenant, separateIdRanges } from './fixtures/world.ts';

/*
 * Requests generated from the live OpenAPI document (path and query parameters, headers, JSON
 * bodies, `$ref`s and the JobRequest `oneOf` followed), mostly valid with hostile values mixed
 * in, sent with an admin key and with a tenant key. Every answer must be below 500, a status
 * the operation documents, and, where the document gives a schema, valid against it; problems
 * must be problem+json. No worker runs, so nothing dispatched ever executes.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101);
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
/** For the whole file; each operation and key gets an equal share of what is left. */
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 40_000);

/** FUZZ_VERBOSE=1 prints the statuses each operation answered. */
const VERBOSE = Boolean(process.env.FUZZ_VERBOSE);

const DOC = await documentWithoutDatabase();
const OPERATIONS = operationsOf(DOC);
const KEYS = ['admin', 'tenant'] as const;
type KeyKind = (typeof KEYS)[number];

console.log(
  `[openapi-fuzz] seed ${SEED} (FUZZ_SEED), ${RUNS} runs per operation and key (FUZZ_RUNS), ` +
    `${OPERATIONS.length} operations, budget ${BUDGET_MS} ms`,
);

interface Generated {
  method: Operation['method'];
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

let tdb: TestDatabase;
let app: App;
let acme: SeededTenant;
let validator: DocumentValidator;
/** Schema-valid generation, and hostile generation: each run picks one. */
let contexts: GenContext[];
let realTokens: string[] = [];
let pageTokens: string[] = [];
const deadline = Date.now() + BUDGET_MS;
let testsLeft = OPERATIONS.length * KEYS.length;

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/merge-patch+json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=utf-16',
];

// Larger than the 5 MiB body limit.
const OVERSIZED = `{"a":"${'x'.repeat(5 * 1024 * 1024 + 16)}"}`;

/** Callback URLs stay on loopback even if generation stumbles on a real-looking one. */
const OUTSIDE_URL = /https?:\/\/(?!127\.0\.0\.1|localhost|\[::1\])[^"\s/]+/g;

/** Forgeries and corruptions of real page tokens, for every list and scope. */
function tamperedTokens(tokens: string[]): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    const [body = '', mac = ''] = token.split('.');
    out.push(
      `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
      `${body}.${mac}.x`,
      body,
      `${Buffer.from('["2000-01-01 00:00:00+00","1"]').toString('base64url')}.${mac}`,
      `${Buffer.from('not json').toString('base64url')}.${mac}`,
      `${body}.${Buffer.alloc(16).toString('base64url')}`,
      `.${mac}`,
      `${body}.`,
      `${token}${token}`,
      token.toUpperCase(),
    );
  }
  return [...out, '.', '..', '%', 'x'.repeat(512), 'x'.repeat(513), '\u0000', '\ud800'];
}

function queryArbitrary(ctx: GenContext, op: Operation): fc.Arbitrary<[string, string][]> {
  const params = (op.spec.parameters ?? []).filter((p) => p.in === 'query');
  const value = (name: string, schema: JsonSchema) => {
    if (name !== 'page_token') return fuzzArbitrary(ctx, schema, name).map(asParameterText);
    if (!ctx.hostile) return fc.constantFrom(...realTokens);
    return fc.oneof(fc.constantFrom(...pageTokens), fc.string({ maxLength: 40 }));
  };
  const one = params.map((p) =>
    fc.option(
      !ctx.hostile
        ? value(p.name, p.schema ?? {}).map((v) => [[p.name, v]] as [string, string][])
        : fc.oneof(
            {
              weight: 6,
              arbitrary: value(p.name, p.schema ?? {}).map((v) => [[p.name, v]] as [string, string][]),
            },
            // The same parameter twice.
            {
              weight: 1,
              arbitrary: fc.tuple(value(p.name, p.schema ?? {}), value(p.name, p.schema ?? {})).map(
                ([a, b]) =>
                  [
                    [p.name, a],
                    [p.name, b],
                  ] as [string, string][],
              ),
            },
          ),
      { freq: p.required ? 12 : 2, nil: undefined },
    ),
  );
  const unknown = fc.option(
    fc.tuple(
      fc.constantFrom('unknown', 'tenant', '__proto__', 'page_size', 'since'),
      fc.string({ maxLength: 12 }),
    ),
    { freq: 6, nil: undefined },
  );
  return fc.tuple(fc.tuple(...one), ctx.hostile ? unknown : fc.constant(undefined)).map(([values, extra]) => {
    const pairs = values.flatMap((v) => v ?? []);
    if (extra) pairs.push(extra);
    return pairs;
  });
}

/** Header values a client can actually send (Node refuses control characters and non-Latin-1). */
const headerText = fc.oneof(
  fc.stringMatching(/^[\x21-\x7e]{1,40}$/),
  fc.constantFrom('k1', 'same-key', 'x'.repeat(256), ' ', 'é', 'a b', '\u00ff'),
);

function headersArbitrary(ctx: GenContext, op: Operation): fc.Arbitrary<Record<string, string>> {
  const named = (op.spec.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name);
  if (op.path.endsWith('/events')) named.push('last-event-id');
  const text = ctx.hostile ? headerText : fc.stringMatching(/^[\x21-\x7e]{1,40}$/);
  const entries = named.map((name) =>
    fc.option(
      text.map((v) => [name, v] as const),
      { freq: 2, nil: undefined },
    ),
  );
  const requestId = fc.option(
    fc.constantFrom('req-1', 'bad id with spaces', 'x'.repeat(200)).map((v) => ['x-request-id', v] as const),
    { freq: 5, nil: undefined },
  );
  return fc
    .tuple(fc.tuple(...entries), ctx.hostile ? requestId : fc.constant(undefined))
    .map(([values, id]) => Object.fromEntries([...values, id].filter((e) => e !== undefined)));
}

function bodyArbitrary(
  ctx: GenContext,
  op: Operation,
): fc.Arbitrary<{ text: string; type?: string } | undefined> {
  const body = jsonBodySchema(op);
  if (!body) {
    return op.method === 'GET' || !ctx.hostile
      ? fc.constant(undefined)
      : fc.option(fc.constant({ text: '{"x":1}', type: 'application/json' }), { freq: 8, nil: undefined });
  }
  const media = body.media;
  const generated = fuzzArbitrary(ctx, body.schema).map(jsonText);
  if (!ctx.hostile) return generated.map((text) => ({ text, type: media }));
  return fc.oneof(
    { weight: 16, arbitrary: generated.map((text) => ({ text, type: media })) },
    { weight: 3, arbitrary: fc.constantFrom(...rawHostileBodies()).map((text) => ({ text, type: media })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(generated, fc.constantFrom<string | undefined>(...CONTENT_TYPES, undefined))
        .map(([text, type]) => ({ text, type })),
    },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant({ text: OVERSIZED, type: media }) },
  );
}

function requestArbitrary(op: Operation): fc.Arbitrary<Generated> {
  return fc.oneof(...contexts.map((ctx) => requestIn(ctx, op)));
}

function requestIn(ctx: GenContext, op: Operation): fc.Arbitrary<Generated> {
  const pathParams = (op.spec.parameters ?? []).filter((p) => p.in === 'path');
  const path = fc
    .tuple(...pathParams.map((p) => pathParamArbitrary(ctx, p.name, p.schema ?? {}, op.path)))
    .map((values) => {
      let i = 0;
      return op.path.replace(/\{[^}]+\}/g, () => encodeComponent(values[i++] ?? ''));
    });
  return fc
    .tuple(path, queryArbitrary(ctx, op), headersArbitrary(ctx, op), bodyArbitrary(ctx, op))
    .map(([p, query, headers, body]) => {
      const qs = query.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`).join('&');
      const generated: Generated = { method: op.method, url: qs ? `${p}?${qs}` : p, headers: { ...headers } };
      if (body) {
        generated.payload = body.text.replace(OUTSIDE_URL, 'http://127.0.0.1:9');
        if (body.type) generated.headers['content-type'] = body.type;
      }
      return generated;
    });
}

/** What is wrong with a response, judged by the document; empty when nothing is. */
function judge(op: Operation, sent: Sent): string[] {
  if (sent.status >= 500) return [`${sent.status} server error`];
  const documented = op.spec.responses[String(sent.status)] ?? op.spec.responses.default;
  if (!documented) return [`undocumented status ${sent.status}`];
  const problems: string[] = [];
  if (sent.status >= 400) {
    const shape = problemShapeErrors(sent);
    if (shape.length > 0) return shape;
  }
  const content = documented.content ?? {};
  if (Object.keys(content).length === 0) {
    if (sent.body.length > 0) problems.push(`a body on ${sent.status}, documented without content`);
    return problems;
  }
  // A media range (`*/*`: a stored file served as it was uploaded) documents any such type, as bytes.
  const range = content[`${sent.mediaType.split('/')[0]}/*`] ?? content['*/*'];
  if (!content[sent.mediaType] && range) return problems;
  const entry = content[sent.mediaType];
  if (!entry) {
    problems.push(
      `media type "${sent.mediaType}" not documented for ${sent.status} (${Object.keys(content)})`,
    );
    return problems;
  }
  if (sent.jsonError) problems.push(`${sent.mediaType} body is not JSON: ${sent.jsonError}`);
  else if (entry.schema && sent.json !== undefined) {
    problems.push(
      ...validator.errors(entry.schema, sent.json).map((e) => `breaks its ${sent.status} schema: ${e}`),
    );
  }
  return problems;
}

const describeGenerated = (g: Generated, auth: KeyKind) => {
  const headers = Object.entries(g.headers)
    .map(([k, v]) => `${k}: ${JSON.stringify(v).slice(0, 80)}`)
    .join('; ');
  const body = g.payload === undefined ? '' : ` body ${JSON.stringify(g.payload.slice(0, 300))}`;
  return `${g.method} ${g.url.slice(0, 300)} [${auth} key${headers ? `; ${headers}` : ''}]${body}`;
};

/** A tenant key is only useful while its tenant is active and the key is live: put both back. */
async function restoreAcme(): Promise<void> {
  await sql`UPDATE tenantry.tenants SET status = 'active', status_reason = NULL
            WHERE id = 'acme' AND status <> 'active'`.execute(tdb.db);
  await sql`UPDATE tenantry.api_keys SET revoked_at = NULL
            WHERE id = ${acme.keyId} AND revoked_at IS NOT NULL`.execute(tdb.db);
}

beforeAll(async () => {
  tdb = await cloneTestDatabase();
  await separateIdRanges(tdb);
  acme = await seedTenant(tdb, 'acme');
  const globex = await seedTenant(tdb, 'globex');
  const initech = await seedTenant(tdb, 'initech');
  app = await buildTestApp(tdb.db, {}, registry, { connectionString: tdb.url });
  const live = await fetchDocument(app);
  expect(operationsOf(live).map((op) => op.name)).toEqual(OPERATIONS.map((op) => op.name));
  validator = new DocumentValidator(live);

  const world = [acme, globex, initech];
  const known: KnownValues = {
    tenants: ['acme', 'globex', 'initech', 'nobody-here'],
    jobLogs: [...world.flatMap((t) => Object.values(t.jobs)), '999999999999999999'],
    exports: [...world.flatMap((t) => Object.values(t.exports)), '999999999999999999'],
    keys: [...world.map((t) => t.keyId), '999999999999999999'],
    backups: world.map((t) => t.backup.fileName),
    tasks: registry.names(),
  };
  contexts = [
    { doc: live, known, hostile: false },
    { doc: live, known, hostile: true },
  ];

  // Real page tokens of each list, for the admin and for acme: tampered with, or used by the other.
  const tokens: string[] = [];
  for (const url of [
    '/api/job-logs?page_size=1',
    '/api/exports/status?page_size=1',
    '/api/tenants?page_size=1',
  ]) {
    for (const headers of [bearer(ADMIN_KEY), acme.headers]) {
      const sent = await send(app, { method: 'GET', url, headers });
      const token = (sent.json as { next_page_token?: unknown } | undefined)?.next_page_token;
      if (typeof token === 'string') tokens.push(token);
    }
  }
  expect(tokens.length).toBeGreaterThanOrEqual(5);
  realTokens = tokens;
  pageTokens = [...tokens, ...tamperedTokens(tokens)];
});

afterAll(async () => {
  await app?.close();
  await tdb?.close();
});

describe.each(OPERATIONS.map((op, index) => [op.name, op, index] as const))('%s', (_name, op, index) => {
  it.each(KEYS)('with the %s key: no 5xx, only documented statuses, bodies as documented', async (kind) => {
    // An equal share of what is left, or a few seconds if more: slow operations (provisioning
    // migrates a schema) may use time the fast ones left; nothing runs past the deadline.
    const left = deadline - Date.now();
    const share = Math.min(left, Math.max(left / testsLeft, 4_000));
    testsLeft--;
    const stopAt = Date.now() + share;
    const samples = fc.sample(requestArbitrary(op), {
      seed: SEED + index * 2 + (kind === 'admin' ? 0 : 1),
      numRuns: RUNS,
    });
    const auth = kind === 'admin' ? bearer(ADMIN_KEY) : acme.headers;
    const failures = new Map<string, { count: number; example: string }>();
    const statuses = new Map<number, number>();
    let ran = 0;
    for (const generated of samples) {
      if (Date.now() > stopAt && ran > 0) break;
      const options: InjectOptions = {
        method: generated.method,
        url: generated.url,
        headers: { ...generated.headers, ...auth },
        ...(generated.payload === undefined ? {} : { payload: generated.payload }),
      };
      let sent: Sent;
      try {
        sent = await send(app, options);
      } catch (err) {
        const signature = `inject threw ${(err as Error).message}`;
        const entry = failures.get(signature) ?? { count: 0, example: describeGenerated(generated, kind) };
        failures.set(signature, { ...entry, count: entry.count + 1 });
        ran++;
        continue;
      }
      ran++;
      statuses.set(sent.status, (statuses.get(sent.status) ?? 0) + 1);
      if (kind === 'admin' && op.method !== 'GET') await restoreAcme();
      for (const problem of judge(op, sent)) {
        const signature = `${sent.status}: ${problem}`;
        const example = `${describeGenerated(generated, kind)}\n      → ${sent.status} ${sent.headers['content-type'] ?? ''} ${sent.body.slice(0, 300)}`;
        const entry = failures.get(signature);
        // Keep the shortest example of each kind of failure: the easiest to reproduce.
        if (!entry) failures.set(signature, { count: 1, example });
        else
          failures.set(signature, {
            count: entry.count + 1,
            example: example.length < entry.example.length ? example : entry.example,
          });
      }
    }
    if (VERBOSE) {
      const seen = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`);
      console.log(`[openapi-fuzz] ${op.name} (${kind} key): ${seen.join(' ')}`);
    }
    if (ran < samples.length) {
      console.warn(
        `[openapi-fuzz] ${op.name} (${kind} key): time budget reached after ${ran} of ${samples.length} runs`,
      );
    }
    const report = [...failures].map(
      ([signature, { count, example }]) => `${signature} (×${count})\n      e.g. ${example}`,
    );
    expect(report, `${op.name} with the ${kind} key, seed ${SEED}`).toEqual([]);
    expect(ran).toBeGreaterThan(0);
  });
});

/**
 * What the fuzzer found once, asked again every run whatever the seed: each request is judged
 * exactly as generated ones are.
 */
describe('cases the fuzzer found, pinned', () => {
  const find = (name: string) => {
    const op = OPERATIONS.find((o) => o.name === name);
    if (!op) throw new Error(`the document has no ${name}`);
    return op;
  };
  const judged = async (name: string, options: InjectOptions) =>
    judge(find(name), await send(app, { ...options, headers: { ...bearer(ADMIN_KEY), ...options.headers } }));

  it('a path parameter that is not UTF-8 is a documented problem', async () => {
    expect(await judged('GET /api/job-logs/{id}', { method: 'GET', url: '/api/job-logs/%ED%A0%80' })).toEqual(
      [],
    );
  });

  it('an overlong path parameter is a documented problem', async () => {
    const url = `/api/tenants/${'a'.repeat(150)}`;
    expect(await judged('GET /api/tenants/{id}', { method: 'GET', url })).toEqual([]);
  });

  it('an export for a tenant that does not exist is a documented problem', async () => {
    const options: InjectOptions = {
      method: 'POST',
      url: '/api/exports',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ export_type: 'clients', tenant: 'nobody-here' }),
    };
    expect(await judged('POST /api/exports', options)).toEqual([]);
  });

  it('a reconnect to a finished job’s events (204) is as documented', async () => {
    const [job] = await dispatchJobs(tdb.db, registry, [
      { task: 'send-notification', tenant: 'acme', payload: { channel: 'sms', to: '+1', message: 'x' } },
    ]);
    await cancelJob(tdb.db, job!.id);
    const options: InjectOptions = {
      method: 'GET',
      url: `/api/job-logs/${job!.id}/events`,
      headers: { 'last-event-id': '1' },
    };
    const sent = await send(app, { ...options, headers: { ...bearer(ADMIN_KEY), ...options.headers } });
    expect(sent.status).toBe(204);
    expect(judge(find('GET /api/job-logs/{id}/events'), sent)).toEqual([]);
  });
});
