import { Type } from 'typebox';
import type { DbOrTrx } from '../db/database.ts';
import { tenantTables } from '../db/tenant-database.ts';
import { CsvError, parseCsv } from '../files/csv-parse.ts';
import { FILE_PATH_MAX, FILE_PATH_PATTERN } from '../files/path.ts';
import { findFile, readFile, type StoredFile } from '../files/repository.ts';
import { defineTask, type TaskContext } from '../jobs/define.ts';
import { PermanentJobError } from '../jobs/errors.ts';

/** Columns read into a client; `name` is required. */
const COLUMNS = ['name', 'email', 'phone', 'company_context'] as const;
type Column = (typeof COLUMNS)[number];
/** An export's own columns (`export_type: clients`): read past, so an export imports as is. */
const IGNORED = new Set(['id', 'created_at', 'updated_at']);
const MAX_CHARS: Record<Column, number> = { name: 500, email: 320, phone: 50, company_context: 20_000 };
const BATCH = 500;

interface ClientRow {
  name: string;
  email: string | null;
  phone: string | null;
  company_context: string | null;
}

/**
 * The seeds' ProcessFileJob: imports a CSV from the tenant's files (uploaded with
 * `PUT /api/files/...`) into its clients. All or nothing: the rows go in one transaction, and a
 * bad row fails the job for good (a retry would read the same file), naming its line. An import
 * that committed is recorded in that transaction (file_imports), so a job run again after a
 * worker died at the wrong moment imports nothing twice.
 */
export const importClients = defineTask({
  name: 'import-clients',
  // Tenant keys for their own tenant; admin keys name the tenant. The file is always the job's
  // tenant's: ctx.files reaches no other.
  audience: 'tenant',
  queue: 'imports',
  maxAttempts: 3,
  timeoutMs: 600_000,
  payload: Type.Object(
    {
      path: Type.String({
        minLength: 1,
        maxLength: FILE_PATH_MAX,
        pattern: FILE_PATH_PATTERN,
        description:
          "the CSV in the tenant's files: a header row (name, and any of email, phone, company_context)",
      }),
      sha256: Type.Optional(
        Type.String({
          minLength: 64,
          maxLength: 64,
          pattern: '^[0-9a-f]{64}$',
          description: 'import only if the file still has these bytes (the sha256 its upload answered)',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  async handler(payload, ctx) {
    const tenantId = ctx.files.tenantId;
    const recorded = async () => {
      const done = await ctx.db
        .selectFrom('file_imports')
        .select(['path', 'sha256', 'row_count'])
        .where('job_log_id', '=', ctx.job.logId)
        .executeTakeFirst();
      return (
        done && { imported: done.row_count, path: done.path, sha256: done.sha256, already_imported: true }
      );
    };
    const earlier = await recorded();
    if (earlier) return earlier;

    let imported: number;
    let file: StoredFile;
    try {
      // One connection for the rows and the file's chunks: an import never waits on a second.
      ({ imported, file } = await ctx.controlDb.transaction().execute(async (trx) => {
        const found = await findFile(trx, tenantId, payload.path);
        if (!found) throw new PermanentJobError(`file ${payload.path} does not exist`);
        if (payload.sha256 !== undefined && payload.sha256 !== found.sha256) {
          throw new PermanentJobError(
            `file ${payload.path} has changed since its sha256 ${payload.sha256} was taken`,
          );
        }
        // The very file checked above is read, by id: a replacement since is not imported.
        const count = await insertRows(trx, tenantId, found, payload.path, ctx);
        ctx.signal.throwIfAborted();
        await tenantTables(trx, tenantId)
          .insertInto('file_imports')
          .values({ job_log_id: ctx.job.logId, path: found.path, sha256: found.sha256, row_count: count })
          .execute();
        return { imported: count, file: found };
      }));
    } catch (err) {
      // Another attempt of this job committed the same import first: its rows stand, once.
      if ((err as { code?: unknown }).code === '23505') {
        const other = await recorded();
        if (other) return other;
      }
      throw err;
    }
    ctx.progress(100, `${imported} clients imported`);
    return { imported, path: file.path, sha256: file.sha256 };
  },
});

/** Parses the file and inserts its clients in batches; the number inserted. */
async function insertRows(
  trx: DbOrTrx,
  tenantId: string,
  file: StoredFile,
  path: string,
  ctx: TaskContext,
): Promise<number> {
  const total = Math.max(1, Number(file.byte_size));
  let read = 0;
  // Counted as the parser pulls them: nothing flows before it reads.
  async function* counted(chunks: AsyncIterable<Buffer>) {
    for await (const chunk of chunks) {
      read += chunk.length;
      yield chunk;
    }
  }
  const clients = tenantTables(trx, tenantId);
  let columns: (Column | undefined)[] | undefined;
  let rows: ClientRow[] = [];
  let count = 0;
  const flush = async () => {
    if (rows.length === 0) return;
    await clients.insertInto('clients').values(rows).execute();
    count += rows.length;
    rows = [];
    ctx.signal.throwIfAborted();
    ctx.progress(Math.min(99, (read / total) * 100), `${count} clients imported`);
  };
  try {
    for await (const record of parseCsv(counted(readFile(trx, tenantId, file)))) {
      if (!columns) {
        columns = headerColumns(record.fields, record.line);
        continue;
      }
      rows.push(client(columns, record.fields, record.line));
      if (rows.length >= BATCH) await flush();
    }
  } catch (err) {
    if (err instanceof CsvError) throw new PermanentJobError(`${path}: ${err.message}`);
    throw err;
  }
  if (!columns) throw new PermanentJobError(`${path} is empty: it needs a header row`);
  await flush();
  return count;
}

function headerColumns(fields: string[], line: number): (Column | undefined)[] {
  const seen = new Set<string>();
  const columns = fields.map((raw) => {
    const name = raw.trim().toLowerCase();
    if (seen.has(name)) throw new PermanentJobError(`line ${line}: column ${name} appears twice`);
    seen.add(name);
    if ((COLUMNS as readonly string[]).includes(name)) return name as Column;
    if (IGNORED.has(name)) return undefined;
    throw new PermanentJobError(`line ${line}: unknown column "${raw}" (known: ${COLUMNS.join(', ')})`);
  });
  if (!columns.includes('name')) throw new PermanentJobError(`line ${line}: the header has no name column`);
  return columns;
}

function client(columns: (Column | undefined)[], fields: string[], line: number): ClientRow {
  if (fields.length !== columns.length) {
    throw new PermanentJobError(`line ${line}: has ${fields.length} fields, the header ${columns.length}`);
  }
  const row: Record<Column, string | null> = { name: null, email: null, phone: null, company_context: null };
  columns.forEach((column, i) => {
    if (column === undefined) return;
    const value = (fields[i] as string).trim();
    if (value.length > MAX_CHARS[column]) {
      throw new PermanentJobError(`line ${line}: ${column} is longer than ${MAX_CHARS[column]} characters`);
    }
    if (value.includes('\0')) throw new PermanentJobError(`line ${line}: ${column} holds a NUL character`);
    row[column] = value === '' ? null : value;
  });
  const { name, email, phone, company_context } = row;
  if (name === null) throw new PermanentJobError(`line ${line}: name is empty`);
  if (email !== null && !/^[^@\s]+@[^@\s]+$/.test(email)) {
    throw new PermanentJobError(`line ${line}: email "${email}" is not an email address`);
  }
  return { name, email, phone, company_context };
}
