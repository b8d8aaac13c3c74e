import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { runJobNow } from '../../../jobs/run-now.ts';
import { problemResponses } from '../../problem.ts';
import type { StreamRouteDeps } from '../deps.ts';
import { ownTenant, unretryableTasks } from '../principal-scope.ts';
import { JobLogId } from './schemas.ts';

/** POST /api/job-logs/:id/run-now: a delayed or backing-off job starts as soon as it may. */
export const runNowRoute: FastifyPluginAsyncTypebox<StreamRouteDeps> = async (app, { db, registry }) => {
  app.post(
    '/api/job-logs/:id/run-now',
    {
      schema: {
        tags: ['job-logs'],
        operationId: 'runJobNow',
        summary: 'Run a pending job now instead of at its run_at',
        description:
          'For a delayed job or one waiting out its retry backoff: its start time becomes now; it keeps its ' +
          'log row, attempts, priority and job key, and starts when its tenant may start a job (its cap, a ' +
          'pause, its status and rate limit still hold). A started or finished job is 409 (one a worker is just ' +
          'taking may answer 202, and starts); a tenant key ' +
          'may not move its system work (403).',
        params: Type.Object({ id: JobLogId }),
        response: {
          202: Type.Object(
            {
              id: Type.String(),
              status: Type.Literal('pending'),
              run_at: Type.String({ format: 'date-time' }),
            },
            { examples: [{ id: '1042', status: 'pending', run_at: '2026-12-05T10:00:00.000Z' }] },
          ),
          ...problemResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { runAt } = await runJobNow(db, request.params.id, {
        tenantId: ownTenant(request.principal),
        notTasks: unretryableTasks(request.principal, registry),
      });
      return reply
        .code(202)
        .send({ id: request.params.id, status: 'pending' as const, run_at: runAt.toISOString() });
    },
  );
};
