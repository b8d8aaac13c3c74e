import { AppError, invalid } from '../errors.ts';
import type { TaskAudience, TaskDefinition } from './define.ts';
import type { TaskRegistry } from './registry.ts';

/**
 * Who is dispatching: an admin key, a tenant key (which acts only on its own tenant), or
 * Tenantry itself (the crontab, triggers, provisioning, the export route...). HTTP principals
 * have the same shape, so a request's principal is a caller as it is.
 */
export type Caller = { kind: 'admin' } | { kind: 'tenant'; tenantId: string } | { kind: 'system' };

export const SYSTEM: Caller = Object.freeze({ kind: 'system' });

const MAY_DISPATCH: Record<Caller['kind'], readonly TaskAudience[]> = {
  tenant: ['tenant'],
  admin: ['tenant', 'admin'],
  system: ['tenant', 'admin', 'system'],
};

export function mayDispatch(caller: Caller, definition: TaskDefinition): boolean {
  return MAY_DISPATCH[caller.kind].includes(definition.audience);
}

/** The task names a caller may dispatch, sorted: all an error message may reveal. */
export function dispatchableTasks(registry: TaskRegistry, caller: Caller): string[] {
  return registry
    .all()
    .filter((d) => mayDispatch(caller, d))
    .map((d) => d.name)
    .sort();
}

const at = (prefix: string, field: string) => (prefix ? `${prefix}.${field}` : field);

/**
 * The one place that decides whether `caller` may dispatch `task` for `tenant`, and for which
 * tenant the job then runs. A tenant caller always dispatches into its own tenant; naming
 * another is 403. Tenant tasks need a tenant; admin and system tasks run centrally (their
 * payload names any tenant they act on, which only an admin or our own code can set).
 */
export function authorizeDispatch(
  registry: TaskRegistry,
  caller: Caller,
  task: string,
  tenant: string | null,
  prefix = '',
): { definition: TaskDefinition; tenant: string | null } {
  const definition = registry.get(task);
  if (!definition) {
    const known = dispatchableTasks(registry, caller);
    throw invalid(
      at(prefix, 'task'),
      `unknown task "${task}"; you may dispatch: ${known.join(', ') || 'none'}`,
    );
  }
  if (!mayDispatch(caller, definition)) {
    const why =
      definition.audience === 'admin'
        ? 'needs an admin key'
        : 'is dispatched only by Tenantry itself (crontab, triggers)';
    throw new AppError('forbidden', `task "${task}" ${why}`, { field: at(prefix, 'task') });
  }
  if (caller.kind === 'tenant') {
    if (tenant !== null && tenant !== caller.tenantId) {
      throw new AppError('forbidden', 'a tenant key dispatches only into its own tenant', {
        field: at(prefix, 'tenant'),
      });
    }
    return { definition, tenant: caller.tenantId };
  }
  // Outside callers must say whose job a tenant task is; our own code may run one centrally.
  if (definition.audience === 'tenant' && tenant === null && caller.kind !== 'system') {
    throw invalid(at(prefix, 'tenant'), `task "${task}" runs for a tenant; name it`);
  }
  if (definition.audience === 'admin' && tenant !== null && caller.kind !== 'system') {
    throw invalid(
      at(prefix, 'tenant'),
      `task "${task}" runs centrally; name the tenant it acts on in its payload instead`,
    );
  }
  return { definition, tenant };
}
