import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { notFound } from '../../../errors.ts';
import { JobLogHub } from '../../../job-logs/hub.ts';
import { jobLogEvent, TERMINAL_STATUSES } from '../../../job-logs/json.ts';
import { findJobLog, type JobLogRow } from '../../../job-logs/repository.ts';
import type { Logger } from '../../../logger.ts';
import { problemResponses } from '../../problem.ts';
import { LastEventIdQuery } from '../../stream-access.ts';
import type { StreamRouteDeps } from '../deps.ts';
import { ownTenant } from '../principal-scope.ts';
import { JobLogId } from './schemas.ts';

const HEARTBEAT_MS = 15_000;

/** GET /api/job-logs/:id/events: Server-Sent Events of one job's status and progress. */
export const jobLogEvents: FastifyPluginAsyncTypebox<StreamRouteDeps> = async (
  app,
  { db, connectionString, streams },
) => {
  const hub = new JobLogHub(db, connectionString, app.log as Logger);
  // Open streams would hold the server open; end them before it closes.
  app.addHook('preClose', async () => hub.close());

  app.get(
    '/api/job-logs/:id/events',
    {
      schema: {
        tags: ['job-logs'],
        operationId: 'streamJobLogEvents',
        summary: 'Live status and progress (Server-Sent Events)',
        description:
          'An `event: job` with the current state first, then one per change; after a terminal status an ' +
          '`event: end` closes the stream. A reconnect (with `Last-Event-ID`) to a finished job is answered ' +
          '204, which tells a browser EventSource to stop reconnecting. A `: heartbeat` comment is sent every ' +
          '15 seconds. The stream ends when its key is revoked or its tenant stops being active.',
        params: Type.Object({ id: JobLogId }),
        querystring: Type.Object(LastEventIdQuery),
        produces: ['text/event-stream'],
        response: {
          200: {
            description: 'an event stream',
            content: {
              'text/event-stream': {
                schema: Type.String({
                  examples: ['event: job\ndata: {"id":"1042","status":"running","progress":60}\n\n'],
                }),
              },
            },
          },
          204: {
            description: 'the job has finished and the client reconnected: stop reconnecting',
            type: 'null',
          },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (request, reply) => {
      const tenantId = ownTenant(request.principal);
      const id = request.params.id;
      const first = await findJobLog(db, id, tenantId);
      if (!first) throw notFound(`job log ${id}`);
      const reconnect =
        request.headers['last-event-id'] !== undefined || request.query.lastEventId !== undefined;
      if (TERMINAL_STATUSES.includes(first.status) && reconnect) {
        return reply.code(204).send(null);
      }

      const giveBack = streams.reserve(request.principal);
      const raw = reply.raw;
      let last = '';
      let closed = false;
      let unsubscribe = () => {};
      let letGo = () => {};
      const end = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        letGo();
        giveBack();
        raw.end();
      };
      const send = (row: JobLogRow) => {
        if (closed) return;
        const data = JSON.stringify(jobLogEvent(row));
        if (data !== last) {
          last = data;
          raw.write(`id: ${row.id}-${Date.now()}\nevent: job\ndata: ${data}\n\n`);
        }
        if (TERMINAL_STATUSES.includes(row.status)) {
          raw.write('event: end\ndata: {}\n\n');
          end();
        }
      };

      // The stream is set up: it stays open for long, holding no connection of the pool.
      request.tenantSlot?.release();
      reply.hijack();
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        // Hijacked replies skip the onSend hook that sets it on every other response.
        'x-request-id': request.id,
      });
      raw.write(': connected\nretry: 3000\n\n');
      const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), HEARTBEAT_MS);
      raw.on('close', end);
      // A client gone while the request was being checked: its close has already been and
      // gone, and nothing would end the stream (or give its key's place back).
      if (raw.destroyed || request.raw.destroyed) return end();

      // Subscribe before the first read, so a change between the two is not missed.
      try {
        const stop = await hub.subscribe(id, { update: send, end });
        if (closed) return stop();
        unsubscribe = stop;
        // Ends the stream when the key is revoked or the tenant stops being active.
        const release = await streams.hold(request.principal, end);
        if (closed) return release();
        letGo = release;
        const row = await findJobLog(db, id, tenantId);
        if (row) send(row);
        else end();
      } catch (err) {
        request.log.error({ err }, 'job-log event stream failed');
        end();
      }
    },
  );
};
