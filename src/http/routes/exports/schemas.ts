import { type Static, Type } from 'typebox';
import { NextPageToken } from '../../pagination.ts';

export const ExportId = Type.String({ pattern: '^[0-9]{1,18}$', description: 'export id', examples: ['7'] });

export const ExportRequest = Type.Object(
  {
    export_type: Type.Union([
      Type.Literal('clients'),
      Type.Literal('appointments'),
      Type.Literal('job_logs'),
    ]),
    format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv' })),
    filters: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          'clients: search, created_after, created_before; appointments: status, client_id, starts_after, ' +
          'starts_before; job_logs: status, task, created_after, created_before',
      }),
    ),
    tenant: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9]+(-[a-z0-9]+)*$',
        maxLength: 40,
        description: 'admin keys: the tenant to export; tenant keys: their own',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ export_type: 'clients', format: 'csv', filters: { search: 'john' } }],
  },
);
export type ExportRequest = Static<typeof ExportRequest>;

export const ExportAccepted = Type.Object(
  { id: Type.String(), job_log_id: Type.String(), status: Type.Literal('pending') },
  { examples: [{ id: '7', job_log_id: '1042', status: 'pending' }] },
);

const Nullable = <T extends ReturnType<typeof Type.String | typeof Type.Integer>>(t: T) =>
  Type.Union([t, Type.Null()]);

export const Export = Type.Object(
  {
    id: Type.String(),
    tenant: Type.String(),
    job_log_id: Nullable(Type.String()),
    export_type: Type.String(),
    format: Type.String(),
    filters: Type.Record(Type.String(), Type.String()),
    status: Type.String({ description: 'pending | running | completed | failed | cancelled' }),
    progress: Type.Integer({ minimum: 0, maximum: 100 }),
    step: Nullable(Type.String()),
    error_message: Nullable(Type.String()),
    filename: Type.String(),
    content_type: Type.String(),
    row_count: Nullable(Type.Integer()),
    byte_size: Nullable(Type.Integer()),
    created_at: Type.String({ format: 'date-time' }),
    completed_at: Nullable(Type.String({ format: 'date-time' })),
    expires_at: Type.String({ format: 'date-time' }),
    download_url: Nullable(Type.String({ format: 'uri-reference', description: 'set once completed' })),
  },
  {
    $id: 'Export',
    examples: [
      {
        id: '7',
        tenant: 'acme',
        job_log_id: '1042',
        export_type: 'clients',
        format: 'csv',
        filters: { search: 'john' },
        status: 'completed',
        progress: 100,
        step: '1200 of 1200 rows',
        error_message: null,
        filename: 'clients-7.csv',
        content_type: 'text/csv; charset=utf-8',
        row_count: 1200,
        byte_size: 98304,
        created_at: '2026-11-23T20:00:00.000Z',
        completed_at: '2026-11-23T20:00:03.000Z',
        expires_at: '2026-11-30T20:00:00.000Z',
        download_url: '/api/exports/7/download',
      },
    ],
  },
);

export const ExportPage = Type.Object({
  exports: Type.Array(Type.Ref('Export')),
  next_page_token: NextPageToken,
});
