import { Type } from 'typebox';
import type { Db } from '../db/database.ts';
import { ListenerOnDemand } from '../db/listener-on-demand.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Principal } from './auth.ts';

/**
 * EventSource polyfills that cannot set headers (`event-source-polyfill`) send a reconnect's
 * Last-Event-ID as this query parameter; the streams read it as they read the header.
 */
export const LastEventIdQuery = {
  lastEventId: Type.Optional(
    Type.String({
      maxLength: 200,
      description: 'Last-Event-ID of a reconnect, for clients that cannot send the header',
    }),
  ),
};

/** NOTIFYed with a key's id when it is revoked (migrations/0031). */
export const KEY_REVOKED_CHANNEL = 'tenantry_api_key_revoked';
/** NOTIFYed with a tenant's id when it is provisioned, changes status or is deleted. */
const TENANT_CHANNEL = 'tenantry_tenant_status';

interface Held {
  principal: Principal;
  end(): void;
}

/**
 * Keeps open streams (Server-Sent Events) to the access they were opened with. A request is
 * authenticated once, when it starts; a stream lives on for hours. So a stream ends as soon as
 * its key is revoked, or its tenant stops being active (suspended, deleted), as the next request
 * with that key would be refused. Notifications sent while the LISTEN connection was away are
 * lost, so on reconnecting every held stream's key and tenant are checked again.
 * The admin key from the environment cannot be revoked; its streams end only with the server.
 */
/** Event streams one API key may have open at once: a dashboard's few tabs hold one or two each. */
export const MAX_STREAMS_PER_KEY = 64;

export class StreamAccess {
  private readonly held = new Set<Held>();
  /** Streams open (or opening) per key id. */
  private readonly perKey = new Map<string, number>();
  private readonly listening: ListenerOnDemand;

  private readonly db: Db;
  private readonly logger: Logger;

  constructor(db: Db, connectionString: string, logger: Logger) {
    this.db = db;
    this.logger = logger;
    this.listening = new ListenerOnDemand(connectionString, logger, async (listener) => {
      await listener.listen(KEY_REVOKED_CHANNEL, (id) => this.revoked(id));
      await listener.listen(TENANT_CHANNEL, (id) =>
        this.check(
          [...this.held].filter((h) => h.principal.kind === 'tenant' && h.principal.tenantId === id),
        ),
      );
      listener.onReconnect(() => this.check([...this.held]));
    });
  }

  /**
   * Before a stream starts (while an error can still be an answer): counts it against its key,
   * 429 past MAX_STREAMS_PER_KEY (one tenant key held 6,500 streams and the pool from every
   * other tenant). Returns the function that gives the place back, for when the stream ends.
   */
  reserve(principal: Principal): () => void {
    const key = principal.keyId;
    if (key === null) return () => {};
    const open = this.perKey.get(key) ?? 0;
    if (open >= MAX_STREAMS_PER_KEY) {
      throw new AppError(
        'rate_limited',
        `this key has ${open} event streams open, the most one key may; close one (or reuse one per page)`,
      );
    }
    this.perKey.set(key, open + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.perKey.get(key) ?? 1) - 1;
      if (left > 0) this.perKey.set(key, left);
      else this.perKey.delete(key);
    };
  }

  /**
   * Holds a stream opened by `principal`; `end` closes it when its access goes. Resolves once
   * notifications are flowing, then checks the access once more (it may have gone between the
   * request's authentication and the LISTEN); returns the function that lets it go.
   */
  async hold(principal: Principal, end: () => void): Promise<() => void> {
    const entry: Held = { principal, end };
    const release = () => {
      this.held.delete(entry);
    };
    if (principal.keyId === null) return release;
    this.held.add(entry);
    try {
      await this.listening.start();
    } catch (err) {
      release();
      throw err;
    }
    await this.recheck([entry]);
    return release;
  }

  async close(): Promise<void> {
    this.held.clear();
    await this.listening.close();
  }

  private revoked(keyId: string): void {
    for (const h of this.held) if (h.principal.keyId === keyId) this.endStream(h);
  }

  private check(entries: Held[]): void {
    if (entries.length === 0) return;
    this.recheck(entries).catch((err) => this.logger.warn({ err }, 'stream access check failed'));
  }

  /** Ends the streams among `entries` whose key is revoked or whose tenant is not active. */
  private async recheck(entries: Held[]): Promise<void> {
    const ids = [...new Set(entries.map((h) => h.principal.keyId).filter((id) => id !== null))];
    if (ids.length === 0) return;
    const live = await this.db
      .selectFrom('tenantry.api_keys as k')
      .leftJoin('tenantry.tenants as t', 't.id', 'k.tenant_id')
      .select('k.id')
      .where('k.id', 'in', ids)
      .where('k.revoked_at', 'is', null)
      .where((eb) => eb.or([eb('k.tenant_id', 'is', null), eb('t.status', '=', 'active')]))
      .execute();
    const valid = new Set(live.map((r) => String(r.id)));
    for (const h of entries)
      if (h.principal.keyId !== null && !valid.has(h.principal.keyId)) this.endStream(h);
  }

  private endStream(h: Held): void {
    if (!this.held.delete(h)) return;
    h.end();
  }
}
