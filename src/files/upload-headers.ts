import { invalid } from '../errors.ts';

/** type/subtype with optional parameters (RFC 9110 tokens), printable ASCII only. */
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\s*;[\x20-\x7e]*)?$/;

/** The Content-Type an upload is stored and served with. */
export function uploadContentType(header: string | undefined): string {
  if (header === undefined || header.trim() === '') return 'application/octet-stream';
  const value = header.trim();
  if (value.length > 255 || !MEDIA_TYPE.test(value)) {
    throw invalid(
      'content-type',
      'must be a media type (type/subtype[; parameters]) of at most 255 characters',
    );
  }
  return value;
}

/** The size an upload announces, when it does (chunked uploads do not). */
export function uploadLength(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,15}$/.test(header)) return undefined;
  return Number(header);
}
