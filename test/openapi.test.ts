import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/app.ts';
import { buildTestApp } from './helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from './helpers/database.ts';

describe('/openapi.json', () => {
  let tdb: TestDatabase;
  let app: App;
  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    app = await buildTestApp(tdb.db);
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    // validate() dereferences in place; give it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
    expect(doc.components.schemas.Problem).toBeDefined();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/ready', '/api/tenants']));
    for (const [path, methods] of Object.entries<Record<string, { tags?: string[] }>>(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        expect(op.tags, `${method.toUpperCase()} ${path} has tags`).toBeDefined();
      }
    }
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger-ui');
  });
});
