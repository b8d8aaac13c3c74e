/**
 * Tenantry as a library: define tasks, dispatch them (inside your own transactions), use the
 * tenant cache, and embed the API or a worker. `npm run build` compiles this entry to dist/
 * for installed copies; inside the repository, Node runs the sources as they are.
 */
export type { CacheStore } from './cache/index.ts';
export {
  CacheTtl,
  cacheFor,
  centralCache,
  createCacheStore,
  PostgresStore,
  RedisStore,
  setDefaultCacheStore,
  TenantCache,
  tenantCache,
} from './cache/index.ts';
export { type Config, parseConfig } from './config.ts';
export { createDb, createPool, type Db, type DbOrTrx } from './db/database.ts';
export { AppError } from './errors.ts';
export { buildApp } from './http/app.ts';
export type { Caller } from './jobs/audience.ts';
export {
  defineTask,
  type JobInfo,
  type TaskAudience,
  type TaskContext,
  type TaskDefinition,
  type TaskOptions,
} from './jobs/define.ts';
export {
  type DispatchedJob,
  type DispatchOptions,
  type DispatchSpec,
  dispatchJobs,
} from './jobs/dispatch.ts';
export { PermanentJobError } from './jobs/errors.ts';
export { tenantQueue, tenantQueueName } from './jobs/lanes.ts';
export { TaskRegistry } from './jobs/registry.ts';
export {
  dispatch,
  dispatchAs,
  dispatchMany,
  dispatchTenant,
  type PayloadOf,
  registry,
  type TaskName,
  taskDefinitions,
} from './tasks/index.ts';
export { currentTenant, runInTenant, tenantSchema } from './tenancy.ts';
export { WorkerService } from './worker/runner.ts';
