import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RouteDeps } from '../deps.ts';

/** Export routes: create, status, download. */
export const exportRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async () => {};
