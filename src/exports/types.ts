import { type RawBuilder, sql } from 'kysely';
import type { ExportFormat, ExportType } from '../db/schema-job-logs.ts';
import { invalid } from '../errors.ts';
import { tenantSchema } from '../tenancy.ts';
import { characters } from '../text-length.ts';

export { EXPORT_FORMATS, EXPORT_TYPES } from './kinds.ts';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
};

type FilterKind = 'text' | 'timestamp' | 'id' | 'job_status';

/** What a job log's status can be: a filter on anything else matched nothing, silently. */
const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'];

/** The filters each export type accepts; anything else is refused, naming it. */
export const EXPORT_FILTERS: Record<ExportType, Record<string, FilterKind>> = {
  clients: { search: 'text', created_after: 'timestamp', created_before: 'timestamp' },
  appointments: {
    status: 'text',
    client_id: 'id',
    starts_after: 'timestamp',
    starts_before: 'timestamp',
  },
  job_logs: { status: 'job_status', task: 'text', created_after: 'timestamp', created_before: 'timestamp' },
};

export type ExportFilters = Record<string, string>;

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2})))?$/;

/**
 * An RFC 3339 date-time, or a full date (midnight UTC), that PostgreSQL reads as the same
 * instant: years 0001-9999, real days of the month. `Date.parse` is no check for that: it takes
 * "1", "2024-02-30" and "+275760-09-13", which the export's query then failed on, after the
 * request had been accepted.
 */
export function isDateTime(value: string): boolean {
  const m = DATE_TIME.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const days = new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !leap(year) ? 1 : 0);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > days) return false;
  if (m[4] === undefined) return true;
  const [h, min, sec] = [Number(m[4]), Number(m[5]), Number(m[6])];
  const [oh, om] = [Number(m[7] ?? 0), Number(m[8] ?? 0)];
  // PostgreSQL reads zone offsets up to ±15:59 (real ones span -12:00 to +14:00).
  return h <= 23 && min <= 59 && sec <= 59 && oh <= 15 && om <= 59;
}

const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Checks filters against the export type; errors name `filters.<name>`. */
export function validateFilters(type: ExportType, filters: Record<string, unknown>): ExportFilters {
  const allowed = EXPORT_FILTERS[type];
  const out: ExportFilters = {};
  for (const [name, value] of Object.entries(filters)) {
    // Own properties only: "constructor" or "toString" are not filters of any export.
    const kind = Object.hasOwn(allowed, name) ? allowed[name] : undefined;
    const field = `filters.${name}`;
    if (kind === undefined) throw invalid(field, `is not a filter of ${type} exports`);
    if (typeof value !== 'string' || value.length === 0 || characters(value) > 200) {
      throw invalid(field, 'must be a non-empty string of at most 200 characters');
    }
    if (kind === 'timestamp' && !isDateTime(value)) {
      throw invalid(
        field,
        'must be a date-time (RFC 3339, e.g. 2026-01-31T00:00:00Z) or a date (2026-01-31)',
      );
    }
    if (kind === 'id' && !/^\d{1,18}$/.test(value)) throw invalid(field, 'must be a numeric id');
    if (kind === 'job_status' && !JOB_STATUSES.includes(value)) {
      throw invalid(field, `must be one of ${JOB_STATUSES.map((s) => JSON.stringify(s)).join(', ')}`);
    }
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

const cols = (type: ExportType) => sql.join(EXPORT_COLUMNS[type].map((c) => sql.ref(c)));

/**
 * Whether a text cell is one a spreadsheet would evaluate (see csvExportQuery). The first
 * character is tested before any regular expression: a regular expression over every text cell
 * cost the export ~22% of its rate (1,000,000 clients: ~490,000 against ~615,000 rows/s), this
 * ~15% (537,000-578,000 against 645,000-665,000, three alternating pairs; bench:exports' phones
 * all start with '+', so each row still runs one).
 */
const formula = (ref: RawBuilder<unknown>) =>
  // ascii(): the first character's code. = @ tab CR always; + - when more than a number follows.
  // All are below 65 ('A'): most cells (names, emails, text) stop at the first comparison.
  sql`(ascii(${ref}) < 65 AND (ascii(${ref}) IN (61, 64, 9, 13)
       OR (ascii(${ref}) IN (43, 45) AND ${ref} ~ '[^0-9 ()./+-]')))`;

/** The text columns of each export: what a tenant or its users wrote, or an error message. */
const TEXT_COLUMNS: Record<ExportType, ReadonlySet<string>> = {
  clients: new Set(['name', 'email', 'phone', 'company_context']),
  appointments: new Set(['status', 'service', 'notes']),
  job_logs: new Set(['task', 'queue', 'status', 'step', 'error_message']),
};

/**
 * The export query for a CSV file: a text cell that a spreadsheet would take for a formula gets
 * a leading apostrophe (OWASP's advice against CSV injection; spreadsheets show the text without
 * it): one starting with = @, a tab or a carriage return, and one starting with + or - that holds
 * more than a number or a phone number can (`+34 600 000 000` and `-12` stay as they are: they
 * call no function). `=HYPERLINK(...)` in a client's name or a job's error message was written
 * as is, quoted but live when the file was opened. JSON files carry the text unchanged.
 */
export function csvExportQuery(type: ExportType, tenantId: string, f: ExportFilters): RawBuilder<unknown> {
  const list = EXPORT_COLUMNS[type].map((c) => {
    const ref = sql.ref(`q.${c}`);
    return TEXT_COLUMNS[type].has(c)
      ? sql`CASE WHEN ${formula(ref)} THEN '''' || ${ref} ELSE ${ref} END AS ${sql.ref(c)}`
      : sql`${ref}`;
  });
  return sql`SELECT ${sql.join(list)} FROM (${exportQuery(type, tenantId, f)}) AS q ORDER BY q.id`;
}

/** Session setting holding an export's tenant and filters while its query runs (see exportQuery). */
export const EXPORT_SETTING = 'tenantry.export';

/** The JSON the query reads from EXPORT_SETTING. */
export function exportSettings(tenantId: string, f: ExportFilters): string {
  return JSON.stringify({ ...f, tenant_id: tenantId });
}

/** A value of EXPORT_SETTING; `name` is one of the fixed filter names, never user input. */
const setting = (name: string) =>
  sql`(current_setting(${sql.lit(EXPORT_SETTING)})::jsonb ->> ${sql.lit(name)})`;

/**
 * The rows of an export, ordered by id so a re-run produces the same file. COPY takes no bind
 * parameters, so the query holds no value at all: the tenant and the filters are read from
 * EXPORT_SETTING, which the caller sets (as a parameter) in the same session; identifiers
 * are quoted by kysely. Only the presence of a filter shapes the text.
 */
export function exportQuery(type: ExportType, tenantId: string, f: ExportFilters): RawBuilder<unknown> {
  const where: RawBuilder<unknown>[] = [];
  if (type === 'clients') {
    const t = sql.table(`${tenantSchema(tenantId)}.clients`);
    // A substring, matched literally: LIKE's own % and _ (and the escape) are escaped.
    const literal = sql`replace(replace(replace(${setting('search')}, '\\', '\\\\'), '%', '\\%'), '_', '\\_')`;
    const pattern = sql`'%' || ${literal} || '%'`;
    if (f.search) {
      where.push(sql`(name ILIKE ${pattern} ESCAPE '\\' OR email ILIKE ${pattern} ESCAPE '\\')`);
    }
    if (f.created_after) where.push(sql`created_at >= ${setting('created_after')}::timestamptz`);
    if (f.created_before) where.push(sql`created_at < ${setting('created_before')}::timestamptz`);
    return sql`SELECT ${cols(type)} FROM ${t} WHERE ${and(where)} ORDER BY id`;
  }
  if (type === 'appointments') {
    const t = sql.table(`${tenantSchema(tenantId)}.appointments`);
    if (f.status) where.push(sql`status = ${setting('status')}`);
    if (f.client_id) where.push(sql`client_id = ${setting('client_id')}::bigint`);
    if (f.starts_after) where.push(sql`starts_at >= ${setting('starts_after')}::timestamptz`);
    if (f.starts_before) where.push(sql`starts_at < ${setting('starts_before')}::timestamptz`);
    return sql`SELECT ${cols(type)} FROM ${t} WHERE ${and(where)} ORDER BY id`;
  }
  where.push(sql`tenant_id = ${setting('tenant_id')}`);
  if (f.status) where.push(sql`status = ${setting('status')}`);
  if (f.task) where.push(sql`task = ${setting('task')}`);
  if (f.created_after) where.push(sql`created_at >= ${setting('created_after')}::timestamptz`);
  if (f.created_before) where.push(sql`created_at < ${setting('created_before')}::timestamptz`);
  return sql`SELECT ${cols(type)} FROM tenantry.job_logs WHERE ${and(where)} ORDER BY id`;
}
