import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { Problem } from './problem.ts';

const TAGS = [
  { name: 'health', description: 'Liveness and readiness' },
  { name: 'jobs', description: 'Dispatching tenant-aware jobs' },
  { name: 'job-logs', description: 'Job history, progress, cancel and retry' },
  { name: 'exports', description: 'Data exports and their downloads' },
  { name: 'tenants', description: 'Tenant lifecycle (admin keys)' },
];

/** OpenAPI 3.1 at /openapi.json, generated from the route schemas; Swagger UI at /docs. */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  app.addSchema(Problem);
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
