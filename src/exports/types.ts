import { type RawBuilder, sql } from 'kysely';
import type { ExportFormat, ExportType } from '../db/schema-job-logs.ts';
import { invalid } from '../errors.ts';
import { tenantSchema } from '../tenancy.ts';

export const EXPORT_TYPES: readonly ExportType[] = ['clients', 'appointments', 'job_logs'];
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json'];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
};

type FilterKind = 'text' | 'timestamp' | 'id';

/** The filters each export type accepts; anything else is refused, naming it. */
export const EXPORT_FILTERS: Record<ExportType, Record<string, FilterKind>> = {
  clients: { search: 'text', created_after: 'timestamp', created_before: 'timestamp' },
  appointments: {
    status: 'text',
    client_id: 'id',
    starts_after: 'timestamp',
    starts_before: 'timestamp',
  },
  job_logs: { status: 'text', task: 'text', created_after: 'timestamp', created_before: 'timestamp' },
};

export type ExportFilters = Record<string, string>;

/** Checks filters against the export type; errors name `filters.<name>`. */
export function validateFilters(type: ExportType, filters: Record<string, unknown>): ExportFilters {
  const allowed = EXPORT_FILTERS[type];
  const out: ExportFilters = {};
  for (const [name, value] of Object.entries(filters)) {
    const kind = allowed[name];
    const field = `filters.${name}`;
    if (kind === undefined) throw invalid(field, `is not a filter of ${type} exports`);
    if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
      throw invalid(field, 'must be a non-empty string of at most 200 characters');
    }
    if (kind === 'timestamp' && Number.isNaN(Date.parse(value))) throw invalid(field, 'must be a date-time');
    if (kind === 'id' && !/^\d{1,18}$/.test(value)) throw invalid(field, 'must be a numeric id');
    out[name] = value;
  }
  return out;
}

const and = (parts: RawBuilder<unknown>[]) => (parts.length === 0 ? sql`true` : sql.join(parts, sql` AND `));

/** Columns of each export, in file order. */
export const EXPORT_COLUMNS: Record<ExportType, readonly string[]> = {
  clients: ['id', 'name', 'email', 'phone', 'company_context', 'created_at', 'updated_at'],
  appointments: [
    'id',
    'client_id',
    'starts_at',
    'ends_at',
    'status',
    'service',
    'notes',
    'created_at',
    'updated_at',
  ],
  job_logs: [
    'id',
    'task',
    'queue',
    'status',
    'progress',
    'step',
    'attempts',
    'max_attempts',
    'error_message',
    'created_at',
    'started_at',
    'finished_at',
    'duration_ms',
  ],
};

const PLAIN_COLUMN = /^(id|.*_id|.*_at|progress|attempts|max_attempts|duration_ms)$/;

/** One batch of an export: `n` rows after id `after`, already encoded and joined by the server. */
export interface ExportBatch {
  n: number;
  last: string | null;
  text: string | null;
}

/**
 * The next `limit` rows after id `after` (keyset on the primary key), encoded by the server as
 * CSV records (COPY's quoting) or JSON objects and joined into one text value: the worker
 * receives one row per batch instead of one per record, and its memory holds one batch.
 */
export function exportBatch(
  type: ExportType,
  format: ExportFormat,
  tenantId: string,
  f: ExportFilters,
  after: string | null,
  limit: number,
): RawBuilder<ExportBatch> {
  const q = sql.table('q');
  const line =
    format === 'json'
      ? sql`row_to_json(q)::text`
      : sql`concat_ws(',', ${sql.join(
          EXPORT_COLUMNS[type].map((c) =>
            // Numbers and timestamps never need quoting; text goes through COPY's rules.
            PLAIN_COLUMN.test(c)
              ? sql`coalesce(${sql.ref(`q.${c}`)}::text, '')`
              : sql`tenantry.csv_field(${sql.ref(`q.${c}`)}::text)`,
          ),
        )})`;
  const separator = format === 'json' ? ',\n' : '\n';
  return sql<ExportBatch>`
    SELECT count(*)::int AS n, max(id)::text AS last, string_agg(line, ${separator} ORDER BY id) AS text
    FROM (SELECT q.id, ${line} AS line FROM (${exportQuery(type, tenantId, f, after, limit)}) AS ${q}) AS z`;
}

const cols = (type: ExportType) => sql.join(EXPORT_COLUMNS[type].map((c) => sql.ref(c)));

/**
 * The rows of an export, ordered by id so a re-run produces the same file; with `after` and
 * `limit`, one keyset page of them. Every value is a parameter and every identifier is quoted.
 */
export function exportQuery(
  type: ExportType,
  tenantId: string,
  f: ExportFilters,
  after: string | null = null,
  limit: number | null = null,
): RawBuilder<unknown> {
  const where: RawBuilder<unknown>[] = [];
  if (after !== null) where.push(sql`id > ${after}::bigint`);
  const tail = limit === null ? sql`ORDER BY id` : sql`ORDER BY id LIMIT ${limit}`;
  if (type === 'clients') {
    const t = sql.table(`${tenantSchema(tenantId)}.clients`);
    if (f.search) where.push(sql`(name ILIKE ${`%${f.search}%`} OR email ILIKE ${`%${f.search}%`})`);
    if (f.created_after) where.push(sql`created_at >= ${f.created_after}::timestamptz`);
    if (f.created_before) where.push(sql`created_at < ${f.created_before}::timestamptz`);
    return sql`SELECT ${cols(type)} FROM ${t} WHERE ${and(where)} ${tail}`;
  }
  if (type === 'appointments') {
    const t = sql.table(`${tenantSchema(tenantId)}.appointments`);
    if (f.status) where.push(sql`status = ${f.status}`);
    if (f.client_id) where.push(sql`client_id = ${f.client_id}::bigint`);
    if (f.starts_after) where.push(sql`starts_at >= ${f.starts_after}::timestamptz`);
    if (f.starts_before) where.push(sql`starts_at < ${f.starts_before}::timestamptz`);
    return sql`SELECT ${cols(type)} FROM ${t} WHERE ${and(where)} ${tail}`;
  }
  where.push(sql`tenant_id = ${tenantId}`);
  if (f.status) where.push(sql`status = ${f.status}`);
  if (f.task) where.push(sql`task = ${f.task}`);
  if (f.created_after) where.push(sql`created_at >= ${f.created_after}::timestamptz`);
  if (f.created_before) where.push(sql`created_at < ${f.created_before}::timestamptz`);
  return sql`SELECT ${cols(type)} FROM tenantry.job_logs WHERE ${and(where)} ${tail}`;
}
