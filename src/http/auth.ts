import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { findKeyByHash, hashKey, touchApiKey } from '../db/api-keys.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { AuthThrottle } from './auth-throttle.ts';

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
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** A key's use is recorded at most this often (the column's precision: a minute). */
const TOUCH_EVERY_MS = 60_000;

/**
 * When this process last recorded each key's use: the UPDATE it skips (its condition kept the
 * row from being written, but it still took a pooled connection for every request, before the
 * tenant's request bound, so a flood of one key's requests queued the others' in the pool).
 */
class KeyTouches {
  private readonly last = new Map<string, number>();

  due(keyId: string): boolean {
    const now = Date.now();
    const at = this.last.get(keyId);
    if (at !== undefined && now - at < TOUCH_EVERY_MS) return false;
    // Keys are few (an admin makes them); a bound anyway, for a process up for years.
    if (this.last.size >= 10_000) this.last.clear();
    this.last.set(keyId, now);
    return true;
  }
}

async function authenticate(
  request: FastifyRequest,
  { db, adminKey }: AuthOptions,
  touches: KeyTouches,
): Promise<Principal> {
  const key = bearer(request);
  if (!key) throw new AppError('unauthorized', 'send an API key as "Authorization: Bearer <key>"');
  const digest = hashKey(key);
  if (timingSafeEqual(digest, hashKey(adminKey))) return { kind: 'admin', keyId: null };
  const owner = await findKeyByHash(db, digest);
  // The row was found by its hash; comparing again in constant time keeps the check
  // independent of how the index lookup behaves.
  if (!owner || !timingSafeEqual(owner.key_hash, digest))
    throw new AppError('unauthorized', 'the API key is not valid');
  if (touches.due(owner.id))
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
    const touches = new KeyTouches();
    app.addHook('onRequest', async (request, reply) => {
      const access = request.routeOptions.config?.access ?? 'tenant';
      if (access === 'public' || request.is404) return;
      try {
        request.principal = await authenticate(request, options, touches);
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
