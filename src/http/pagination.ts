import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { invalid } from '../errors.ts';

/** Query parameters every list endpoint accepts. */
export const PageQuery = {
  page_size: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'items per page' }),
  ),
  page_token: Type.Optional(
    Type.String({ maxLength: 512, description: 'opaque token from a previous next_page_token' }),
  ),
};

export const NextPageToken = Type.Union([Type.String(), Type.Null()], {
  description: 'pass as page_token for the next page; null on the last page',
});

declare module 'fastify' {
  interface FastifyInstance {
    pageTokens: PageTokens;
  }
}

const MAC_BYTES = 16;

/** Whose list a token belongs to: a tenant key's tenant, or the admin. */
function scopeOf(request: FastifyRequest): string {
  const { principal } = request;
  return principal?.kind === 'tenant' ? `tenant:${principal.tenantId}` : 'admin';
}

/**
 * Keyset page tokens: the last row's sort key, HMAC-signed together with the list it came
 * from and the caller's scope. A token that was altered, made up, or issued for another list
 * or another tenant is refused with 400 before any of it reaches a query.
 */
export class PageTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHash('sha256').update(`tenantry page tokens\0${secret}`).digest();
  }

  private mac(list: string, scope: string, body: string): Buffer {
    return createHmac('sha256', this.key)
      .update(`${list}\0${scope}\0${body}`)
      .digest()
      .subarray(0, MAC_BYTES);
  }

  encode(request: FastifyRequest, list: string, key: unknown[]): string {
    const body = Buffer.from(JSON.stringify(key)).toString('base64url');
    return `${body}.${this.mac(list, scopeOf(request), body).toString('base64url')}`;
  }

  /** The sort key inside a token (checked to have `arity` string parts), or undefined without one. */
  decode(
    request: FastifyRequest,
    list: string,
    token: string | undefined,
    arity: number,
  ): string[] | undefined {
    if (token === undefined) return undefined;
    const [body, mac, extra] = token.split('.');
    const given = Buffer.from(mac ?? '', 'base64url');
    if (body && extra === undefined && given.length === MAC_BYTES) {
      if (timingSafeEqual(given, this.mac(list, scopeOf(request), body))) {
        const key: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
        if (Array.isArray(key) && key.length === arity && key.every((k) => typeof k === 'string')) return key;
      }
    }
    throw invalid('page_token', 'is not a token this API issued for this list');
  }

  /** One page of `rows` (fetched with one extra row, to learn whether another page exists). */
  page<T>(request: FastifyRequest, list: string, rows: T[], size: number, keyOf: (row: T) => string[]) {
    const items = rows.slice(0, size);
    const last = items.at(-1);
    const next = rows.length > size && last ? this.encode(request, list, keyOf(last)) : null;
    return { items, next_page_token: next };
  }
}
