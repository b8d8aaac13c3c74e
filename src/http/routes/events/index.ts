import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { notFound } from '../../../errors.ts';
import { JobLogPageHub } from '../../../job-logs/page-hub.ts';
import type { Logger } from '../../../logger.ts';
import { problemResponses } from '../../problem.ts';
import { LastEventIdQuery } from '../../stream-access.ts';
import type { StreamRouteDeps } from '../deps.ts';
import { TenantFilterDescription, tenantScope } from '../principal-scope.ts';

const HEARTBEAT_MS = 15_000;

/** GET /api/events: one Server-Sent Events stream per page of job-log and tenant-status changes. */
export const eventRoutes: FastifyPluginAsyncTypebox<StreamRouteDeps> = async (
  app,
  { db, connectionString, streams },
) => {
  const hub = new JobLogPageHub(db, connectionString, app.log as Logger);
  app.addHook('preClose', async () => hub.close());

  app.get(
    '/api/events',
    {
      schema: {
        tags: ['events'],
        operationId: 'streamEvents',
        summary: 'Live job-log and tenant changes for a whole page (Server-Sent Events)',
        description:
          'One stream for a page rather than one per row. `event: ready` first; then `event: jobs` with ' +
          '`{"job_logs": [...]}` (list rows of the jobs that changed, at most one message every 500 ms), ' +
          '`event: tenant` with `{"id", "status"}` when a tenant is provisioned or changes status, and ' +
          '`event: resync` when changes were too many or may have been lost (re-read the page). A tenant ' +
          'key receives its own tenant only. A `: heartbeat` comment is sent every 15 seconds. The stream ends ' +
          'when its key is revoked or its tenant stops being active.',
        querystring: Type.Object({
          tenant: Type.Optional(Type.String({ maxLength: 63, description: TenantFilterDescription })),
          ...LastEventIdQuery,
        }),
        produces: ['text/event-stream'],
        response: {
          200: {
            description: 'an event stream',
            content: {
              'text/event-stream': {
                schema: Type.String({
                  examples: [
                    'event: jobs\ndata: {"job_logs":[{"id":"1042","status":"running","progress":60}]}\n\n',
                  ],
                }),
              },
            },
          },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const tenantId = tenantScope(request.principal, request.query.tenant);
      if (tenantId !== undefined && request.principal.kind === 'admin') {
        const row = await db
          .selectFrom('tenantry.tenants')
          .select('id')
          .where('id', '=', tenantId)
          .executeTakeFirst();
        if (!row) throw notFound(`tenant ${tenantId}`);
      }
      const giveBack = streams.reserve(request.principal);
      const raw = reply.raw;
      let closed = false;
      let unsubscribe = () => {};
      let letGo = () => {};
      const write = (event: string, data: unknown) => {
        if (!closed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const end = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        letGo();
        giveBack();
        raw.end();
      };

      // The stream is set up: it stays open for long, holding no connection of the pool.
      request.tenantSlot?.release();
      reply.hijack();
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      raw.write(': connected\nretry: 3000\n\n');
      const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), HEARTBEAT_MS);
      raw.on('close', end);
      // A client gone while the request was being checked: its close has already been and
      // gone, and nothing would end the stream (or give its key's place back).
      if (raw.destroyed || request.raw.destroyed) return end();
      try {
        const stop = await hub.subscribe({
          tenantId,
          jobs: (rows) => write('jobs', { job_logs: rows }),
          resync: (reason) => write('resync', { reason }),
          tenant: (change) => {
            write('tenant', change);
            // A tenant key whose tenant stops being active loses its stream, as its requests are refused.
            if (request.principal.kind === 'tenant' && change.status !== 'active') end();
          },
          end,
        });
        if (closed) return stop();
        unsubscribe = stop;
        // Ends the stream when the key is revoked or the tenant stops being active.
        const release = await streams.hold(request.principal, end);
        if (closed) return release();
        letGo = release;
        write('ready', {});
      } catch (err) {
        request.log.error({ err }, 'event stream failed');
        end();
      }
    },
  );
};
