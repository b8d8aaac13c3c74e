import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { TaskRegistry } from '../jobs/registry.ts';
import { Problem, problemResponses } from './problem.ts';
import { dispatchRequestSchemas } from './routes/jobs/task-schemas.ts';

const TAGS = [
  { name: 'health', description: 'Liveness and readiness' },
  { name: 'jobs', description: 'Dispatching tenant-aware jobs' },
  { name: 'job-logs', description: 'Job history, progress, cancel and retry' },
  { name: 'exports', description: 'Data exports and their downloads' },
  {
    name: 'files',
    description: "Tenant files: uploads, job inputs and outputs, kept in the tenant's schema and backups",
  },
  { name: 'tenants', description: 'Tenant lifecycle (admin keys)' },
  { name: 'cache', description: 'Tenant cache figures and flushes' },
  { name: 'metrics', description: 'Prometheus metrics' },
  { name: 'stats', description: 'Throughput, tenants needing attention, the tenants overview' },
  { name: 'queues', description: 'Queue depth per tenant' },
  { name: 'workers', description: 'Worker processes and their heartbeats' },
  { name: 'schedules', description: 'The crontab, next runs and recent outcomes' },
  { name: 'events', description: 'Live changes for whole pages (Server-Sent Events)' },
];

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The error statuses a route can answer besides its own: any route may meet a database
 * outage (503) or a fault (500); a route behind a key may throttle failed authentication, or a
 * tenant with too many requests waiting (429);
 * a route with a body may refuse its size (413) or media type (415).
 */
function documentCommonErrors(route: RouteOptions): void {
  const schema = route.schema as { response?: Record<string | number, unknown>; hide?: boolean } | undefined;
  if (!schema || schema.hide || !schema.response) return;
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const statuses = [500, 503];
  if (route.config?.access !== 'public') statuses.push(401, 429);
  if (methods.some((m) => BODY_METHODS.has(m))) statuses.push(400, 413, 415);
  const missing = statuses.filter((status) => !(status in schema.response!));
  Object.assign(schema.response, problemResponses(...missing));
}

type BodySchema = { $ref?: string; required?: string[]; anyOf?: unknown[]; oneOf?: unknown[] };
type OpenApiPaths = {
  paths?: Record<
    string,
    Record<
      string,
      { requestBody?: { required?: boolean; content?: Record<string, { schema?: BodySchema }> } }
    >
  >;
};

/** A body whose every field is optional may be left out (the server reads it as `{}`); say so. */
function markOptionalBodies(document: OpenApiPaths): void {
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const body = operation.requestBody;
      const schemas = Object.values(body?.content ?? {}).map((c) => c.schema);
      const optional = schemas.every(
        (schema) => schema && !schema.$ref && !schema.anyOf && !schema.oneOf && !schema.required?.length,
      );
      if (body && schemas.length > 0 && optional) body.required = false;
    }
  }
}

/** OpenAPI 3.1 at /openapi.json, generated from the route schemas; Swagger UI at /docs. */
export async function registerOpenApi(
  app: FastifyInstance,
  version: string,
  registry: TaskRegistry,
): Promise<void> {
  app.addSchema(Problem);
  // Before swagger's own onRoute hook, so the document sees what this adds.
  app.addHook('onRoute', documentCommonErrors);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tenantry',
        version,
        description:
          'Multi-tenant background work on PostgreSQL. Errors are RFC 9457 application/problem+json.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      tags: TAGS,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A tenant or admin API key' },
        },
      },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    // The dispatch body is validated loosely (task, then its payload, with precise errors);
    // the document describes it exactly: one variant per dispatchable task, by `task`.
    transformObject: (document) => {
      if (!('openapiObject' in document)) return document.swaggerObject;
      const openapi = document.openapiObject as { components?: { schemas?: Record<string, object> } };
      const schemas = openapi.components?.schemas ?? {};
      openapi.components = {
        ...openapi.components,
        schemas: { ...schemas, ...dispatchRequestSchemas(registry, schemas.JobRequest) },
      };
      markOptionalBodies(openapi as OpenApiPaths);
      return document.openapiObject;
    },
  });
  // The documentation is public; everything else defaults to needing a key.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...route.config, access: 'public' };
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
}
