import { Type } from '@sinclair/typebox';
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

/** Tokens are opaque to clients: base64url JSON of the last row's sort key. */
export function encodePageToken(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodePageToken(token: string | undefined, arity: number): unknown[] | undefined {
  if (token === undefined) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity) return key;
  } catch {}
  throw invalid('page_token', 'is not a token this API issued');
}

/** Fetch one extra row to learn whether another page exists. */
export function page<T>(rows: T[], size: number, keyOf: (row: T) => unknown[]) {
  const items = rows.slice(0, size);
  const last = items.at(-1);
  return { items, next_page_token: rows.length > size && last ? encodePageToken(keyOf(last)) : null };
}
