import { Type } from 'typebox';
import { FILE_PATH_MAX, FILE_PATH_PATTERN, FILE_PATH_RULE } from '../../../files/path.ts';
import type { StoredFile } from '../../../files/repository.ts';
import { NextPageToken } from '../../pagination.ts';

export const FilePath = Type.String({
  minLength: 1,
  maxLength: FILE_PATH_MAX,
  pattern: FILE_PATH_PATTERN,
  description: `the file's path, URL-encoded in the route (\`/\` as %2F): ${FILE_PATH_RULE}`,
  examples: ['imports/clients-2026-12.csv'],
});

const TenantId = Type.String({
  pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
  maxLength: 40,
  description: 'the tenant whose files these are: admin keys name it; tenant keys may name only their own',
});

/** Every file operation takes the tenant this way (required of admin keys). */
export const FileTenantQuery = Type.Object(
  { tenant: Type.Optional(TenantId) },
  { additionalProperties: false },
);

export const FileParams = Type.Object({ path: FilePath });

export const TenantFile = Type.Object(
  {
    tenant: Type.String(),
    path: Type.String(),
    content_type: Type.String(),
    byte_size: Type.Integer({ minimum: 0 }),
    sha256: Type.String({ description: 'hex SHA-256 of the bytes; also the download ETag' }),
    stored_at: Type.String({ format: 'date-time' }),
    download_url: Type.String({ format: 'uri-reference' }),
  },
  {
    $id: 'TenantFile',
    examples: [
      {
        tenant: 'acme',
        path: 'imports/clients-2026-12.csv',
        content_type: 'text/csv',
        byte_size: 5120,
        sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
        stored_at: '2026-12-05T10:00:00.000Z',
        download_url: '/api/files/imports%2Fclients-2026-12.csv?tenant=acme',
      },
    ],
  },
);

export const FilePage = Type.Object({
  files: Type.Array(Type.Ref('TenantFile')),
  next_page_token: NextPageToken,
});

export function fileJson(tenantId: string, file: StoredFile) {
  return {
    tenant: tenantId,
    path: file.path,
    content_type: file.content_type,
    byte_size: Number(file.byte_size),
    sha256: file.sha256,
    stored_at: file.stored_at.toISOString(),
    download_url: `/api/files/${encodeURIComponent(file.path)}?tenant=${tenantId}`,
  };
}
