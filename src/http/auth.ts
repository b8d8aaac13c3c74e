import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { findKeyByHash, hashKey, touchApiKey } from '../db/api-keys.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { AuthThrottle } from './auth-throttle.ts';
import { KeyMemory } from './key-memory.ts';

/** Who is calling: the admin, or one tenant. A tenant principal never sees another tenant. */
export type Principal =
  | { kind: 'admin'; keyId: string | null }
  | { kind: 'tenant'; tenantId: string; keyId: string };

/** Per-route access: `public` needs no key, `tenant` takes a tenant or admin key, `admin` only an admin key. */
export type Access = 'public' | 'tenant' | 'admin';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

export interface AuthOptions {
  db: Db;
  adminKey: string;
  /** Failed authentications allowed per client address and minute (AUTH_FAILURE_LIMIT). */
  failureLimit: number;
  /** Waits for a request slot of a tenant (tenant-slots.ts), for a key already known to be its. */
  holdTenantSlot?: (request: FastifyRequest, reply: FastifyReply, tenantId: string) => Promise<void>;
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

async function authenticate(
  request: FastifyRequest,
  reply: FastifyReply,
  { db, adminKey, holdTenantSlot }: AuthOptions,
  keys: KeyMemory,
): Promise<Principal> {
  const key = bearer(request);
  if (!key) throw new AppError('unauthorized', 'send an API key as "Authorization: Bearer <key>"');
  const digest = hashKey(key);
  if (timingSafeEqual(digest, hashKey(adminKey))) return { kind: 'admin', keyId: null };
  // A key seen before waits for a slot of its tenant before it is looked up: a flood of one
  // tenant's requests then costs the database the tenant's share, and the refusals past its
  // line cost it nothing. Who the key belongs to is still decided by the lookup below.
  const seen = keys.tenantOf(digest);
  if (seen !== undefined && holdTenantSlot) await holdTenantSlot(request, reply, seen);
  const owner = await findKeyByHash(db, digest);
  // The row was found by its hash; comparing again in constant time keeps the check
  // independent of how the index lookup behaves.
  if (!owner || !timingSafeEqual(owner.key_hash, digest)) {
    // Revoked (or its tenant deleted): its next requests must not wait in the tenant's line,
    // where a leaked key's holder could fill it in front of the tenant's valid keys.
    keys.forget(digest);
    throw new AppError('unauthorized', 'the API key is not valid');
  }
  if (seen !== undefined && seen !== owner.tenant_id) {
    // Not the tenant remembered (keys do not move; but never count one in another's line).
    request.tenantSlot?.release();
    request.tenantSlot = null;
  }
  if (owner.tenant_id !== null) keys.remember(digest, owner.tenant_id);
  if (keys.touchDue(owner.id))
    touchApiKey(db, owner.id).catch((err) => request.log.warn({ err }, 'could not record API key use'));
  if (owner.tenant_id === null) return { kind: 'admin', keyId: owner.id };
  if (owner.tenant_status !== 'active') {
    const reason = owner.tenant_status_reason;
    throw new AppError(
      'tenant_unavailable',
      `tenant ${owner.tenant_id} is ${owner.tenant_status}${reason ? `: ${reason}` : ''}`,
      {
        tenant: owner.tenant_id,
        tenant_status: owner.tenant_status,
        reason,
      },
    );
  }
  return { kind: 'tenant', tenantId: owner.tenant_id, keyId: owner.id };
}

/** Authenticates every routed request whose `config.access` is not `public`. */
export const authPlugin = fp<AuthOptions>(
  async (app: FastifyInstance, options) => {
    app.decorateRequest('principal', null as never);
    const throttle = new AuthThrottle(options.failureLimit);
    const keys = new KeyMemory();
    app.addHook('onRequest', async (request, reply) => {
      const access = request.routeOptions.config?.access ?? 'tenant';
      if (access === 'public' || request.is404) return;
      try {
        request.principal = await authenticate(request, reply, options, keys);
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'unauthorized')) throw err;
        // Only a key that is not valid meets the throttle: a valid one is served whatever its
        // address did (see AuthThrottle).
        const wait = throttle.retryAfter(request.ip);
        throttle.failed(request.ip);
        if (wait === undefined) throw err;
        reply.header('retry-after', String(wait));
        throw new AppError(
          'rate_limited',
          `too many failed authentications from this address; retry in ${wait} s`,
        );
      }
      if (access === 'admin' && request.principal.kind !== 'admin') {
        throw new AppError('forbidden', 'this operation needs an admin key');
      }
    });
  },
  { name: 'tenantry-auth' },
);
