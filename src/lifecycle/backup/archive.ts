import { AppError } from '../../errors.ts';
import { tenantSchema } from '../../tenancy.ts';
import { pgEnvironment, toolEnvironment } from './connection-env.ts';
import { type PgTool, PgToolError, runPgTool, toolFailure } from './pg-tools.ts';
import { terminateToolSession, toolSessionName } from './tool-sessions.ts';
import type { BackupDeps } from './types.ts';

type ToolDeps = Pick<BackupDeps, 'db' | 'connectionString' | 'timeoutMs' | 'pgBinDir' | 'signal'>;

/**
 * Runs a tool that connects to the database on behalf of one tenant. Its session carries a
 * unique application_name naming the tenant (tool-sessions.ts), so when the tool is killed
 * (time limit, abort) the server-side work it started, which would otherwise run on until it
 * next talks to the client, is terminated as well, and a restore can end the sessions of
 * tools whose process died.
 */
async function runConnected(
  deps: ToolDeps,
  tenantId: string,
  tool: PgTool,
  args: string[],
  what: string,
): Promise<void> {
  const applicationName = toolSessionName(tool, tenantId);
  const env = pgEnvironment(deps.connectionString, applicationName);
  // pg_restore only connects when given --dbname; a conninfo string naming just the database
  // keeps every other parameter (and the password) in the environment.
  const database = env.PGDATABASE ?? env.PGUSER ?? '';
  const connect = tool === 'pg_restore' ? [`--dbname=dbname='${database.replace(/[\\']/g, '\\$&')}'`] : [];
  try {
    await runPgTool(tool, [...connect, ...args], {
      env,
      timeoutMs: deps.timeoutMs,
      binDir: deps.pgBinDir,
      signal: deps.signal,
    });
  } catch (err) {
    if (err instanceof PgToolError && (err.reason === 'timeout' || err.reason === 'aborted')) {
      await terminateToolSession(deps.db, applicationName).catch(() => {});
    }
    throw toolFailure(err, what);
  }
}

/** `pg_dump -Fc -Z6` of exactly the tenant's schema into `file`. */
export async function dumpTenantSchema(deps: ToolDeps, tenantId: string, file: string): Promise<void> {
  // Inside double quotes a pg_dump pattern is matched literally, so `-` needs no escaping.
  const pattern = `"${tenantSchema(tenantId)}"`;
  await runConnected(
    deps,
    tenantId,
    'pg_dump',
    [
      '--format=custom',
      '--compress=6',
      `--schema=${pattern}`,
      '--strict-names',
      '--no-password',
      `--lock-wait-timeout=${deps.timeoutMs}`,
      `--file=${file}`,
    ],
    `backup of tenant ${tenantId} failed`,
  );
}

/**
 * Reads the archive's table of contents with `pg_restore --list` and checks it holds the
 * tenant's schema. It proves the file is a complete custom-format archive header of the right
 * tenant, not that every data block is intact; the SHA-256 recorded at backup time covers that.
 */
export async function verifyArchive(
  deps: ToolDeps,
  tenantId: string,
  file: string,
  label: string,
): Promise<void> {
  let toc: string;
  try {
    toc = await runPgTool('pg_restore', ['--list', file], {
      env: toolEnvironment(),
      timeoutMs: deps.timeoutMs,
      binDir: deps.pgBinDir,
      signal: deps.signal,
      captureStdout: true,
    });
  } catch (err) {
    if (err instanceof PgToolError && err.reason === 'failed') {
      throw new AppError('unprocessable', `backup ${label} is not a readable archive: ${err.stderr}`, {
        reason: 'unreadable_archive',
      });
    }
    throw toolFailure(err, `reading backup ${label} failed`);
  }
  const schemaEntry = `SCHEMA - ${tenantSchema(tenantId)} `;
  if (!toc.split('\n').some((line) => /^\d+; \d+ \d+ /.test(line) && line.includes(schemaEntry))) {
    throw new AppError('unprocessable', `backup ${label} does not contain schema ${tenantSchema(tenantId)}`, {
      reason: 'wrong_archive',
    });
  }
}

/**
 * Restores the archive as one transaction: either every object of the schema is created
 * and filled, or nothing is. Ownership goes to the restoring role, as it was the role that
 * created the schema in the first place.
 */
export async function restoreArchive(deps: ToolDeps, tenantId: string, file: string): Promise<void> {
  await runConnected(
    deps,
    tenantId,
    'pg_restore',
    ['--single-transaction', '--exit-on-error', '--no-owner', '--no-password', file],
    `restore of tenant ${tenantId} failed`,
  );
}
