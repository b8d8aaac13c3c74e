import type { Static } from 'typebox';
import type { DbOrTrx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Caller } from '../jobs/audience.ts';
import {
  type DispatchContext,
  type DispatchedJob,
  type DispatchOptions,
  type DispatchSpec,
  dispatchJobs,
} from '../jobs/dispatch.ts';
import { TaskRegistry } from '../jobs/registry.ts';
import { currentTenant } from '../tenancy.ts';
import { appointmentReminders } from './appointment-reminders.ts';
import { cacheSweep } from './cache-sweep.ts';
import { demoFailing, demoSlow } from './demo.ts';
import { importClients } from './import-clients.ts';
import { jobLogTasks } from './job-log-tasks.ts';
import { lifecycleTasks } from './lifecycle-tasks.ts';
import { processCompanyContext } from './process-company-context.ts';
import { queueGc } from './queue-gc.ts';
import { sendAppointmentEmail } from './send-appointment-email.ts';
import { sendEmail } from './send-email.ts';
import { sendNotification } from './send-notification.ts';

/** Every task Tenantry ships; one file each in this folder. */
export const taskDefinitions = [
  sendAppointmentEmail,
  appointmentReminders,
  sendEmail,
  processCompanyContext,
  importClients,
  sendNotification,
  queueGc,
  cacheSweep,
  ...jobLogTasks,
  ...lifecycleTasks,
  demoSlow,
  demoFailing,
] as const;

export const registry = new TaskRegistry(taskDefinitions);

type Definitions = (typeof taskDefinitions)[number];
export type TaskName = Definitions['name'];
export type PayloadOf<N extends TaskName> = Static<Extract<Definitions, { name: N }>['payload']>;

/** Dispatches one job, inside `db` when it is the caller's transaction. Payloads are type-checked by task name. */
export async function dispatch<N extends TaskName>(
  db: DbOrTrx,
  task: N,
  payload: PayloadOf<N>,
  options: DispatchOptions = {},
): Promise<DispatchedJob> {
  const [job] = await dispatchJobs(db, registry, [{ ...options, task, payload }]);
  return job!;
}

export type TypedSpec = { [N in TaskName]: DispatchOptions & { task: N; payload: PayloadOf<N> } }[TaskName];

/** Several jobs in one statement: all are dispatched or none. */
export function dispatchMany(db: DbOrTrx, specs: TypedSpec[]): Promise<DispatchedJob[]> {
  return dispatchJobs(db, registry, specs);
}

/** Like dispatch, for the current tenant (job or request context) unless options name one. */
export async function dispatchTenant<N extends TaskName>(
  db: DbOrTrx,
  task: N,
  payload: PayloadOf<N>,
  options: DispatchOptions = {},
): Promise<DispatchedJob> {
  const tenant = options.tenant ?? currentTenant();
  if (!tenant)
    throw new AppError(
      'bad_request',
      `dispatchTenant(${task}) outside a tenant context needs options.tenant`,
    );
  return dispatch(db, task, payload, { ...options, tenant });
}

/**
 * Dispatches on behalf of an outside caller (an API key, an operator), with the registry's
 * audience rules: a tenant caller reaches only tenant tasks in its own tenant, an admin caller
 * tenant and admin tasks, and nobody outside reaches system tasks. HTTP and the CLI use this.
 */
export function dispatchAs(
  db: DbOrTrx,
  caller: Caller,
  specs: DispatchSpec[],
  context: Omit<DispatchContext, 'caller'> = {},
  tasks: TaskRegistry = registry,
): Promise<DispatchedJob[]> {
  return dispatchJobs(db, tasks, specs, { ...context, caller });
}
