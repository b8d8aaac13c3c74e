import { invalid } from '../errors.ts';
import { currentTenant, TENANT_ID_PATTERN } from '../tenancy.ts';

/** Logical queue names: safe inside a graphile-worker queue name and never containing `#`. */
export const QUEUE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const DEFAULT_QUEUE = 'default';

export function assertQueueName(queue: string, tenantId: string | undefined, field = 'queue'): void {
  if (!QUEUE_PATTERN.test(queue)) {
    throw invalid(
      field,
      'must be 1-63 lowercase letters, digits, "_" or "-", starting with a letter or digit',
    );
  }
  // A central queue named like a tenant lane would be misread as that tenant's.
  if (tenantId === undefined && queue.startsWith('tenant_')) {
    throw invalid(field, 'a queue without a tenant must not start with "tenant_"');
  }
}

/** The lane of a job of `tenantId` on `queue` (`lanes.name` in SQL); a central queue keeps its name. */
export function tenantQueueName(tenantId: string | undefined, queue = DEFAULT_QUEUE): string {
  return tenantId === undefined ? queue : `tenant_${tenantId}_${queue}`;
}

export interface ParsedLane {
  tenantId: string | undefined;
  queue: string;
  lane: number;
}

const TENANT_LANE = new RegExp(
  `^tenant_(${TENANT_ID_PATTERN.source.slice(1, -1)})_(${QUEUE_PATTERN.source.slice(1, -1)})(?:#([1-9]\\d*))?$`,
);

/**
 * Which tenant and logical queue a lane or queue name belongs to. `#<k>` suffixes were lanes of
 * the earlier design (one graphile-worker queue per concurrency slot); still parsed for old rows.
 */
export function parseLane(queueName: string | null): ParsedLane {
  if (queueName === null) return { tenantId: undefined, queue: DEFAULT_QUEUE, lane: 0 };
  const match = TENANT_LANE.exec(queueName);
  if (!match) return { tenantId: undefined, queue: queueName, lane: 0 };
  return { tenantId: match[1], queue: match[3] ?? '', lane: Number(match[4] ?? 0) };
}

/** The seed's tenant_queue(): the current tenant's queue name, or the bare name outside a tenant. */
export function tenantQueue(queue = DEFAULT_QUEUE): string {
  return tenantQueueName(currentTenant(), queue);
}
