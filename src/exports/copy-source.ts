import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Db } from '../db/database.ts';
import type { ExportFormat, ExportType } from '../db/schema-job-logs.ts';
import { csvExportQuery, EXPORT_SETTING, type ExportFilters, exportQuery, exportSettings } from './types.ts';

/**
 * COPY of the export query, so the server encodes the file at COPY's own speed: CSV with a
 * header line, or JSON objects one per line, each after the first preceded by a comma, to
 * be framed as one array. A JSON value never holds a raw control character (they are
 * escaped), so the CSV mode with \x01 as quote and \x02 as delimiter passes it unchanged.
 */
function copyStatement(format: ExportFormat, query: string): string {
  if (format === 'csv') return `COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER)`;
  return `COPY (SELECT CASE WHEN row_number() OVER (ORDER BY q.id) = 1 THEN '' ELSE ',' END || row_to_json(q)::text
    FROM (${query}) AS q) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')`;
}

/** The framing around the COPY output of each format. */
export const EXPORT_FRAMING: Record<ExportFormat, { prefix: string; suffix: string }> = {
  csv: { prefix: '', suffix: '' },
  json: { prefix: '[\n', suffix: ']\n' },
};

export interface ExportSource {
  /** Rows the export holds, counted in the snapshot the COPY reads. */
  total: number;
  /** The encoded rows; `rowCount` once it has ended. */
  stream: AsyncIterable<Buffer> & { rowCount?: number };
  close(): Promise<void>;
}

/**
 * Opens a read-only repeatable-read session of its own that counts and then streams an
 * export's rows. The caller's transaction stores them meanwhile, so reading and writing
 * overlap on two connections.
 */
export async function openExportSource(
  connectionString: string,
  compiler: Db,
  spec: { type: ExportType; format: ExportFormat; tenantId: string; filters: ExportFilters },
): Promise<ExportSource> {
  const query = exportQuery(spec.type, spec.tenantId, spec.filters).compile(compiler);
  const encoded =
    spec.format === 'csv' ? csvExportQuery(spec.type, spec.tenantId, spec.filters).compile(compiler) : query;
  // The CSV query wraps the plain one: what holds no parameter there holds none here either.
  if (encoded.parameters.length > 0) throw new Error('an export query must hold no bind parameter');
  const client = new pg.Client({ connectionString, application_name: 'tenantry-export' });
  client.on('error', () => {});
  await client.connect();
  const close = async () => {
    // A COPY abandoned midway leaves the session unusable; it is closed, not reused.
    await Promise.race([client.end().catch(() => {}), new Promise((r) => setTimeout(r, 1000).unref())]);
  };
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // Date filters ('2026-12-05' is midnight UTC) and the file's timestamps read the same
    // whatever the server's or the database's TimeZone.
    await client.query("SELECT set_config('TimeZone', 'UTC', true)");
    await client.query('SELECT set_config($1, $2, true)', [
      EXPORT_SETTING,
      exportSettings(spec.tenantId, spec.filters),
    ]);
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM (${query.sql}) AS q`);
    const stream = client.query(copyTo(copyStatement(spec.format, encoded.sql)));
    return { total: Number(rows[0]?.n ?? 0), stream, close };
  } catch (err) {
    await close();
    throw err;
  }
}
