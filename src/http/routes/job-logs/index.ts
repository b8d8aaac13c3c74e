import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteDeps } from '../deps.ts';

/** Job-log routes: list, show, stats, cancel, retry, cleanup, live events. */
export const jobLogRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async () => {};
