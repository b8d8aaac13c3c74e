import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

/** Requests of one tenant that may wait for a slot; past them the tenant's next one is a 429. */
export const MAX_WAITING_PER_TENANT = 100;

interface Lane {
  running: number;
  waiting: Array<(granted: boolean) => void>;
}

/**
 * How many requests of one tenant this process handles at once (API_TENANT_CONCURRENCY).
 * The API's connection pool is shared by every tenant: without a bound, one key sending many
 * slow requests at once (a dashboard left polling, a script in a loop) held every connection,
 * and the other tenants' requests waited for one and failed. Past the bound a tenant's requests
 * wait their turn, in order, here rather than in the pool, so they delay only that tenant.
 *
 * Invariant: a lane's `running` is the slots handed out and not given back; a slot given back
 * goes straight to the lane's first waiter, so a waiter is never overtaken by a newcomer.
 */
export class TenantSlots {
  private readonly lanes = new Map<string, Lane>();
  /** Requests refused (429) since the process started: their tenant's line was full. */
  refused = 0;

  readonly perTenant: number;

  constructor(perTenant: number) {
    this.perTenant = perTenant;
  }

  /**
   * A slot for one request of `tenantId`: at once when the tenant has one free, later when it
   * waits its turn, `undefined` when MAX_WAITING_PER_TENANT of its requests already wait.
   * `granted` is `true` when the slot is there at once (nothing to wait for, the common case);
   * its promise resolves to false when `cancel` was called before a slot came.
   */
  take(tenantId: string): { granted: true | Promise<boolean>; cancel: () => void } | undefined {
    let lane = this.lanes.get(tenantId);
    if (!lane) {
      lane = { running: 0, waiting: [] };
      this.lanes.set(tenantId, lane);
    }
    if (lane.running < this.perTenant) {
      lane.running += 1;
      return { granted: true, cancel: () => {} };
    }
    if (lane.waiting.length >= MAX_WAITING_PER_TENANT) {
      this.refused += 1;
      return undefined;
    }
    const waiters = lane.waiting;
    let resolve!: (granted: boolean) => void;
    const granted = new Promise<boolean>((r) => {
      resolve = r;
    });
    waiters.push(resolve);
    return {
      granted,
      cancel: () => {
        const at = waiters.indexOf(resolve);
        if (at < 0) return;
        waiters.splice(at, 1);
        resolve(false);
      },
    };
  }

  /** Gives one slot of `tenantId` back: to its first waiter, or to nobody. */
  give(tenantId: string): void {
    const lane = this.lanes.get(tenantId);
    if (!lane) return;
    const next = lane.waiting.shift();
    if (next) {
      next(true);
      return;
    }
    lane.running -= 1;
    if (lane.running <= 0) this.lanes.delete(tenantId);
  }

  /** Slots held and requests waiting, over all tenants (the metrics). */
  totals(): { running: number; waiting: number } {
    let running = 0;
    let waiting = 0;
    for (const lane of this.lanes.values()) {
      running += lane.running;
      waiting += lane.waiting.length;
    }
    return { running, waiting };
  }

  /** Slots held and requests waiting, per tenant with either (for tests and diagnostics). */
  snapshot(): Record<string, { running: number; waiting: number }> {
    const out: Record<string, { running: number; waiting: number }> = {};
    for (const [tenant, lane] of this.lanes)
      out[tenant] = { running: lane.running, waiting: lane.waiting.length };
    return out;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The per-tenant request bound, when API_TENANT_CONCURRENCY sets one. */
    tenantSlots: TenantSlots | undefined;
  }
  interface FastifyRequest {
    /** The tenant slot this request holds, when it holds one. */
    tenantSlot: HeldSlot | null;
  }
}

/**
 * A slot held from authentication until the request's work is over: the response finished,
 * or, when the client left first, the handler's answer (Fastify runs the handler to its end
 * either way, and a finished response never comes), or the end of a streamed body. A route
 * that hijacks its reply for a long-lived stream (bounded per key by StreamAccess) releases it
 * itself once the stream is set up, or the stream would hold it for as long as it stays open.
 */
class HeldSlot {
  private held = true;
  private answered = false;
  private readonly reply: FastifyReply;
  private readonly giveBack: () => void;

  constructor(reply: FastifyReply, giveBack: () => void) {
    this.reply = reply;
    this.giveBack = giveBack;
    reply.raw.once('close', () => {
      if (this.answered) this.release();
    });
  }

  /** The handler (or the error handler) has its answer: from here only its sending is left. */
  answer(): void {
    this.answered = true;
    if (this.reply.raw.destroyed) this.release();
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    this.giveBack();
  }
}

/** The lane of a tenant's shared file links: apart from its keys', so a link cannot crowd them out. */
export const linkLane = (tenantId: string) => `${tenantId}/links`;

/**
 * Waits for a slot of `lane` (a tenant id, or linkLane's) and holds it for the rest of the
 * request (nothing when the app has no bound). Every request with a tenant key takes one of
 * its tenant's before its route runs; a shared file link, which has no key, takes one of its
 * tenant's links once its route knows the tenant.
 */
export async function holdTenantSlot(
  request: FastifyRequest,
  reply: FastifyReply,
  tenantId: string,
  lane: string = tenantId,
): Promise<void> {
  const slots = request.server.tenantSlots;
  if (!slots || request.tenantSlot) return;
  // Gone already (during authentication): no place in the line for nobody.
  if (reply.raw.destroyed) throw clientGone();
  const slot = slots.take(lane);
  if (!slot) {
    const what = lane === tenantId ? 'requests' : 'shared-link downloads';
    throw new AppError(
      'rate_limited',
      `tenant ${tenantId} has ${slots.perTenant} ${what} in progress and ${MAX_WAITING_PER_TENANT} waiting; retry in 1 s`,
      { reason: 'tenant_requests_in_flight', tenant: tenantId, retry_after: 1 },
    );
  }
  if (slot.granted !== true) {
    // A client that leaves while its request waits gives its place up.
    const left = () => slot.cancel();
    reply.raw.once('close', left);
    const granted = await slot.granted;
    reply.raw.removeListener('close', left);
    if (!granted || reply.raw.destroyed) {
      if (granted) slots.give(lane);
      throw clientGone();
    }
  }
  request.tenantSlot = new HeldSlot(reply, () => slots.give(lane));
}

const clientGone = () =>
  new AppError('bad_request', 'the client closed the connection while its request waited');

/** Registers the bound on an app whose auth hook has run before (it reads `request.principal`). */
export function registerTenantSlots(app: FastifyInstance, perTenant: number): TenantSlots | undefined {
  const slots = perTenant > 0 ? new TenantSlots(perTenant) : undefined;
  app.decorate('tenantSlots', slots);
  if (!slots) return undefined;
  app.decorateRequest('tenantSlot', null);
  app.addHook('onRequest', async (request, reply) => {
    const principal = request.principal;
    if (principal?.kind === 'tenant') await holdTenantSlot(request, reply, principal.tenantId);
  });
  // A handler that ends without sending (a client gone meanwhile: Fastify then sends nothing)
  // reaches neither onSend nor onResponse, and the client's close came before its answer.
  app.addHook('onRoute', (route) => {
    const handler = route.handler as (this: FastifyInstance, ...args: unknown[]) => unknown;
    route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const result = handler.call(this, request, reply);
      // Only a promise's end is awaited here: a handler that answers through a callback later
      // (a static file) is left to do so exactly as before.
      if (!(result instanceof Promise)) return result;
      return result.finally(() => {
        if (reply.raw.destroyed) request.tenantSlot?.release();
      });
    } as typeof route.handler;
  });
  app.addHook('onSend', async (request, _reply, payload) => {
    request.tenantSlot?.answer();
    return payload;
  });
  app.addHook('onResponse', async (request) => {
    request.tenantSlot?.release();
  });
  return slots;
}
