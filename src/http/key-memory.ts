/** A key's use is recorded at most this often (the column's precision: a minute). */
const TOUCH_EVERY_MS = 60_000;
/** Keys are few (an admin makes them); a bound anyway, for a process up for years. */
const MAX_KEYS = 10_000;

/**
 * What one API process remembers of the tenant keys it has authenticated, to spare the
 * database work a flood of requests would otherwise cost before the tenant's request bound:
 * - the tenant each key belongs to (by the key's SHA-256), so a known key can wait for a slot
 *   of its tenant before it is looked up. Only a lane is chosen by it: the lookup still decides
 *   whether the key is valid, and whose it is (a key's tenant never changes);
 * - when it last recorded each key's use: the UPDATE it skips took a pooled connection on
 *   every request even when its condition left the row alone.
 */
export class KeyMemory {
  private readonly tenants = new Map<string, string>();
  private readonly touched = new Map<string, number>();

  tenantOf(digest: Buffer): string | undefined {
    return this.tenants.get(digest.toString('hex'));
  }

  remember(digest: Buffer, tenantId: string): void {
    if (this.tenants.size >= MAX_KEYS) this.tenants.clear();
    this.tenants.set(digest.toString('hex'), tenantId);
  }

  forget(digest: Buffer): void {
    this.tenants.delete(digest.toString('hex'));
  }

  /** True once a minute per key: the caller records the key's use then. */
  touchDue(keyId: string): boolean {
    const now = Date.now();
    const at = this.touched.get(keyId);
    if (at !== undefined && now - at < TOUCH_EVERY_MS) return false;
    if (this.touched.size >= MAX_KEYS) this.touched.clear();
    this.touched.set(keyId, now);
    return true;
  }
}
