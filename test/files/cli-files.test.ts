import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registry } from '../../src/tasks/index.ts';
import { buildTestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';
import { cloneTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { createTenantWithSchema } from '../helpers/worker.ts';

/** `tenantry files`: the same files the API serves, with one-line failures. */
describe('tenantry files', () => {
  let tdb: TestDatabase;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => runCli(['files', ...args], env);

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    await createTenantWithSchema(tdb, { id: 'acme' });
    await createTenantWithSchema(tdb, { id: 'globex' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-files-cli-'));
    env = {
      DATABASE_URL: tdb.url,
      LOG_LEVEL: 'silent',
      TENANTRY_ADMIN_KEY: 'cli-files-admin-key-0123456789abcdef',
    };
  });
  afterAll(async () => {
    await tdb.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('puts, lists, gets and removes a tenant file', async () => {
    const local = path.join(dir, 'clients.csv');
    const body = Buffer.concat([Buffer.from('name\n'), Buffer.alloc(1_200_000, 'a'), Buffer.from('\n')]);
    await writeFile(local, body);
    const put = await cli('put', 'acme', 'imports/clients.csv', local);
    expect(put.stderr).toBe('');
    expect(put.code).toBe(0);
    expect(put.stdout).toMatch(
      /^stored imports\/clients\.csv of acme: 1200006 bytes, sha256 [0-9a-f]{64}\n$/,
    );

    const listed = await cli('list', 'acme', '--json');
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toMatchObject([{ path: 'imports/clients.csv', bytes: 1_200_006, content_type: 'text/csv' }]);
    // Another tenant's list does not hold it.
    expect((await cli('list', 'globex', '--json')).stdout).toBe('');

    const out = path.join(dir, 'back.csv');
    expect((await cli('get', 'acme', 'imports/clients.csv', '-o', out)).code).toBe(0);
    expect((await readFile(out)).equals(body)).toBe(true);
    const again = await cli('get', 'acme', 'imports/clients.csv', '-o', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`tenantry: ${out} exists; pass --force to replace it\n`);

    // A link the API opens without a key (the API signs with the same admin key).
    const linked = await cli('link', 'acme', 'imports/clients.csv', '--expires-in', '600');
    expect(linked.code).toBe(0);
    const app = await buildTestApp(tdb.db, {}, registry, { adminKey: env.TENANTRY_ADMIN_KEY as string });
    try {
      const opened = await app.inject({ method: 'GET', url: linked.stdout.trim() });
      expect(opened.statusCode).toBe(200);
      expect(opened.rawPayload.equals(body)).toBe(true);
    } finally {
      await app.close();
    }

    expect((await cli('rm', 'acme', 'imports/clients.csv')).stdout).toBe(
      'deleted imports/clients.csv of acme\n',
    );
    const gone = await cli('rm', 'acme', 'imports/clients.csv');
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe('tenantry: file imports/clients.csv of tenant acme was not found\n');
  });

  it('refuses a bad path, an unknown tenant and a missing file in one line', async () => {
    const bad = await cli('get', 'acme', '../etc/passwd');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('none of them . or ..');
    const nobody = await cli('list', 'nobody');
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toBe('tenantry: tenant nobody was not found\n');
    const missing = await cli('get', 'globex', 'nothing.csv', '-o', path.join(dir, 'nothing.csv'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('tenantry: file nothing.csv of tenant globex was not found\n');
  });
});
