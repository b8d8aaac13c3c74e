import { text } from 'node:stream/consumers';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportEncoder } from '../../src/exports/format.ts';
import { ChunkWriter, readExport } from '../../src/exports/storage.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema } from '../helpers/worker.ts';

describe('export storage and encoding', () => {
  let tdb: TestDatabase;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await createTenantWithSchema(tdb, { id: 'acme' });
  });
  afterAll(() => tdb.close());

  it('splits a file into fixed-size chunks and streams it back byte for byte', async () => {
    const { id } = await tdb.db
      .insertInto('tenantry.exports')
      .values({
        tenant_id: 'acme',
        export_type: 'clients',
        format: 'json',
        filename: 'x.json',
        content_type: 'application/json',
        expires_at: new Date(Date.now() + 60_000),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const encoder = new ExportEncoder('json', ['id', 'name']);
    const writer = new ChunkWriter(tdb.db, id, 64);
    const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, name: `ñandú ${i}` }));
    const lines = rows.map((r) => JSON.stringify(r));
    for (let i = 0; i < lines.length; i += 7) await writer.write(encoder.batch(lines.slice(i, i + 7)));
    await writer.write(encoder.end());
    await writer.close();
    expect(writer.chunks).toBe(Math.ceil(writer.bytes / 64));
    const back = await text(readExport(tdb.db, id, writer.chunks));
    expect(Buffer.byteLength(back)).toBe(writer.bytes);
    expect(JSON.parse(back)).toEqual(rows);
  });

  it('writes an empty export as an empty array, or a CSV header alone', () => {
    const json = new ExportEncoder('json', ['id']);
    expect(json.batch([]) + json.end()).toBe('[]\n');
    const csv = new ExportEncoder('csv', ['id', 'name']);
    expect(csv.end()).toBe('id,name\n');
  });

  it('encodes CSV fields as COPY does', async () => {
    const { rows } = await sql<{ line: string }>`
      SELECT concat_ws(',', tenantry.csv_field(NULL), tenantry.csv_field(''), tenantry.csv_field('a,b'),
        tenantry.csv_field('say "hi"'), tenantry.csv_field(${'two\nlines'}), tenantry.csv_field('plain')) AS line`.execute(
      tdb.db,
    );
    expect(rows[0]!.line).toBe(',"","a,b","say ""hi""","two\nlines",plain');
  });
});
