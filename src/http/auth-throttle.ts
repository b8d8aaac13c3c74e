/** Per-address windows kept at most; past that the oldest are forgotten first. */
const MAX_ADDRESSES = 10_000;

/**
 * Counts failed authentications per client address in fixed windows. Past `limit` failures in
 * one window, the address's requests with keys that are not valid are answered 429 with
 * Retry-After until the window ends, telling a misconfigured client or a scanner to back off.
 * A valid key is always served: keys carry 256 random bits, so no throttle is what keeps them
 * from being guessed, and behind a proxy or NAT every client shares one address, where locking
 * the address out would let one client's bad key deny every tenant (and the admin) service.
 * In memory, per process.
 */
export class AuthThrottle {
  private readonly windows = new Map<string, { failures: number; endsAt: number }>();
  readonly limit: number;
  readonly windowMs: number;

  /** `limit` 0 turns throttling off. */
  constructor(limit: number, windowMs = 60_000) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** Seconds to wait when `address` is over its limit; undefined when it may try. */
  retryAfter(address: string, now = Date.now()): number | undefined {
    if (this.limit === 0) return undefined;
    const window = this.windows.get(address);
    if (!window) return undefined;
    if (window.endsAt <= now) {
      this.windows.delete(address);
      return undefined;
    }
    return window.failures >= this.limit ? Math.ceil((window.endsAt - now) / 1000) : undefined;
  }

  failed(address: string, now = Date.now()): void {
    if (this.limit === 0) return;
    const window = this.windows.get(address);
    if (window && window.endsAt > now) {
      window.failures++;
      return;
    }
    this.windows.delete(address);
    if (this.windows.size >= MAX_ADDRESSES) this.evict(now);
    this.windows.set(address, { failures: 1, endsAt: now + this.windowMs });
  }

  private evict(now: number): void {
    for (const [address, window] of this.windows) if (window.endsAt <= now) this.windows.delete(address);
    // Insertion order is age order: drop the oldest tenth when still full.
    let drop = this.windows.size >= MAX_ADDRESSES ? Math.ceil(MAX_ADDRESSES / 10) : 0;
    for (const address of this.windows.keys()) {
      if (drop-- <= 0) break;
      this.windows.delete(address);
    }
  }
}
