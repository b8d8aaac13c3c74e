import { invalid } from '../errors.ts';

/**
 * The owner as plan limits count it (case-insensitively, in the database): in Unicode's
 * compatibility form (full-width ＢＯＢ is BOB) and trimmed, with no control or invisible format
 * characters. "bob@example.com ", "bob@example.com\u200b" and full-width letters each passed as
 * a new owner, so the owner's plan limit could be stepped around.
 */
export function normalizeOwner(owner: string): string {
  const normal = owner.normalize('NFKC').trim();
  if (normal.length === 0 || normal.length > 320) throw invalid('owner', 'must be 1-320 characters');
  if (/[\p{Cc}\p{Cf}]/u.test(normal)) {
    throw invalid('owner', 'must not contain control or invisible (format) characters');
  }
  return normal;
}
