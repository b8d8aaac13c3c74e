import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** What a link names: one tenant's file at one path, with the bytes it had when linked. */
export interface LinkTarget {
  tenant: string;
  path: string;
  sha256: string;
  expiresAt: Date;
  /** The API key that made it (its id), or `root` for the admin key itself and the CLI. */
  minter: string;
}

const MAC_BYTES = 32;

/** The route a link opens; no key needed. */
export const SHARED_FILE_ROUTE = '/api/shared-files';

/**
 * Signed, expiring links to tenant files (what Laravel's `storage:link` gives, a public URL,
 * without making any file public for good): the token carries tenant, path, SHA-256, expiry and
 * the id of the key that made it, HMAC-SHA256-signed with a key derived from the admin key.
 * Nothing is stored: rotating the admin key retires every link, revoking a key retires the links
 * it made, a file whose bytes change or that is deleted retires its links (the SHA-256 no longer
 * matches), and a tenant that is not active serves none. The token is signed, not encrypted:
 * whoever holds a link can read its tenant, path and SHA-256.
 */
export class FileLinks {
  private readonly key: Buffer;

  constructor(adminKey: string) {
    this.key = createHash('sha256').update(`tenantry file links\0${adminKey}`).digest();
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, MAC_BYTES);
  }

  sign(target: LinkTarget): string {
    const seconds = Math.floor(target.expiresAt.getTime() / 1000);
    const body = Buffer.from(
      JSON.stringify([target.tenant, target.path, target.sha256, seconds, target.minter]),
    ).toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** The token's target, or undefined when this API did not sign it (expiry is the caller's to judge). */
  verify(token: string): LinkTarget | undefined {
    const [body, mac, extra] = token.split('.');
    if (!body || !mac || extra !== undefined) return undefined;
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== MAC_BYTES || !timingSafeEqual(given, this.mac(body))) return undefined;
    const parsed: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 5) return undefined;
    const [tenant, path, sha256, seconds, minter] = parsed as unknown[];
    if (typeof tenant !== 'string' || typeof path !== 'string' || typeof sha256 !== 'string')
      return undefined;
    if (typeof minter !== 'string') return undefined;
    // Whole seconds within Date's range (an expiry past it would never come).
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || Math.abs(seconds) > 8.64e12)
      return undefined;
    return { tenant, path, sha256, expiresAt: new Date(seconds * 1000), minter };
  }
}
