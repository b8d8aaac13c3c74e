import { text } from 'node:stream/consumers';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkStore, readExport } from '../../src/exports/storage.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema } from '../helpers/worker.ts';

describe('export storage and encoding', () => {
  let tdb: TestDatabase;

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await createTenantWithSchema(tdb, { id: 'acme' });
  });
  afterAll(() => tdb.close());

  /** An export row of tenant acme, with no file yet. */
  const newExport = async (format: 'csv' | 'json') =>
    (
      await tdb.db
        .insertInto('tenantry.exports')
        .values({
          tenant_id: 'acme',
          export_type: 'clients',
          format,
          filename: `export.${format}`,
          content_type: format === 'csv' ? 'text/csv' : 'application/json',
          expires_at: new Date(Date.now() + 60_000),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;

  it('streams stored chunks back byte for byte, a character split across two chunks included', async () => {
    const id = await newExport('json');
    const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, name: `ñandú ${i}` }));
    const file = Buffer.from(JSON.stringify(rows), 'utf8');
    const inside = file.indexOf(Buffer.from('ñ')) + 1; // between the two bytes of "ñ"
    const pieces = [file.subarray(0, inside), file.subarray(inside, inside + 1), file.subarray(inside + 1)];
    for (const [seq, data] of pieces.entries()) {
      await tdb.db.insertInto('tenantry.export_chunks').values({ export_id: id, seq, data }).execute();
    }
    const back = await text(readExport(tdb.db, id, pieces.length));
    expect(JSON.parse(back)).toEqual(rows);
  });

  it('cuts written bytes into chunks and streams them back byte for byte', async () => {
    const id = await newExport('csv');
    const store = new ChunkStore(tdb.db, id, 64);
    const lines = Array.from({ length: 40 }, (_, i) => `${i},ñandú ${i}\n`);
    for (const line of lines) await store.write(Buffer.from(line, 'utf8'));
    await store.close();
    expect(store.chunks).toBeGreaterThan(5);
    const back = await text(readExport(tdb.db, id, store.chunks));
    expect(back).toBe(lines.join(''));
    expect(Buffer.byteLength(back)).toBe(store.bytes);
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
