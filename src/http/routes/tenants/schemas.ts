import { Type } from 'typebox';
import type { Tenant as TenantRow } from '../../../db/tenants.ts';
import { NextPageToken } from '../../pagination.ts';

export const TenantId = Type.String({
  pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
  maxLength: 40,
  description: 'tenant slug: lowercase letters, digits and single dashes',
  examples: ['acme'],
});

export const Tenant = Type.Object(
  {
    id: TenantId,
    name: Type.String(),
    plan: Type.String(),
    status: Type.Union([Type.Literal('active'), Type.Literal('inactive'), Type.Literal('suspended')]),
    status_reason: Type.Union([Type.String(), Type.Null()]),
    settings: Type.Record(Type.String(), Type.Unknown()),
    owner: Type.Union([Type.String(), Type.Null()]),
    concurrency: Type.Integer(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Tenant', title: 'Tenant' },
);

export const TenantPage = Type.Object({
  tenants: Type.Array(Type.Ref('Tenant')),
  next_page_token: NextPageToken,
});

export function tenantJson(row: TenantRow) {
  return { ...row, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() };
}
