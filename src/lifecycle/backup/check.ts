import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { toolEnvironment } from './connection-env.ts';
import { type PgTool, PgToolError, parseToolVersion, runPgTool, TOOLS_HINT, toolPath } from './pg-tools.ts';

export interface ToolCheck {
  tool: PgTool;
  /** What was run: a bare name resolved through PATH, or a path under `pgBinDir`. */
  command: string;
  found: boolean;
  version: string | null;
  major: number | null;
  /** pg_dump refuses servers newer than itself, and pg_restore must read what it writes. */
  compatible: boolean;
}

export interface BackupCheckReport {
  ok: boolean;
  server: { version: string; major: number };
  tools: ToolCheck[];
  backupDir: { path: string; writable: boolean } | null;
  /** One sentence per problem found; empty when `ok`. */
  problems: string[];
  /** How to fix the problems; null when `ok`. */
  hint: string | null;
}

const VERSION_TIMEOUT_MS = 10_000;

async function checkTool(tool: PgTool, serverMajor: number, binDir: string | undefined): Promise<ToolCheck> {
  const command = toolPath(tool, binDir);
  try {
    const out = await runPgTool(tool, ['--version'], {
      env: toolEnvironment(),
      timeoutMs: VERSION_TIMEOUT_MS,
      binDir,
      captureStdout: true,
    });
    const parsed = parseToolVersion(out);
    return {
      tool,
      command,
      found: true,
      version: parsed?.version ?? null,
      major: parsed?.major ?? null,
      compatible: parsed !== undefined && parsed.major >= serverMajor,
    };
  } catch (err) {
    if (!(err instanceof PgToolError)) throw err;
    return { tool, command, found: false, version: null, major: null, compatible: false };
  }
}

/**
 * Whether this host can back up and restore tenants: pg_dump and pg_restore exist and are at
 * least the server's major version, and (when given) the backup directory is writable.
 * Never throws for a failed check; the report says what is wrong and how to fix it.
 */
export async function checkBackupTools(
  db: Db,
  options: { pgBinDir?: string | undefined; backupDir?: string | undefined } = {},
): Promise<BackupCheckReport> {
  const { rows } = await sql<{ version: string; num: string }>`
    SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num`.execute(
    db,
  );
  const version = rows[0]?.version ?? 'unknown';
  // server_version_num is MMmmpp since PostgreSQL 10.
  const major = Math.floor(Number(rows[0]?.num ?? 0) / 10_000);
  const tools = await Promise.all(
    (['pg_dump', 'pg_restore'] as const).map((tool) => checkTool(tool, major, options.pgBinDir)),
  );

  const problems: string[] = [];
  for (const t of tools) {
    if (!t.found) problems.push(`${t.tool} was not found (${t.command}).`);
    else if (t.major === null) problems.push(`${t.tool} did not report a PostgreSQL version.`);
    else if (!t.compatible) {
      problems.push(`${t.tool} ${t.version} is older than the server (PostgreSQL ${version}).`);
    }
  }

  let backupDir: BackupCheckReport['backupDir'] = null;
  if (options.backupDir !== undefined) {
    let writable = true;
    try {
      await mkdir(options.backupDir, { recursive: true, mode: 0o700 });
      await access(options.backupDir, constants.W_OK | constants.X_OK);
    } catch (err) {
      writable = false;
      problems.push(`BACKUP_DIR ${options.backupDir} is not writable: ${(err as Error).message}.`);
    }
    backupDir = { path: options.backupDir, writable };
  }

  const toolsBad = tools.some((t) => !t.compatible);
  const hints = [
    toolsBad ? TOOLS_HINT.replaceAll('<major>', String(major)) : undefined,
    backupDir && !backupDir.writable
      ? 'Create BACKUP_DIR and give the user running Tenantry write access to it (mode 700).'
      : undefined,
  ].filter((h) => h !== undefined);
  return {
    ok: problems.length === 0,
    server: { version, major },
    tools,
    backupDir,
    problems,
    hint: hints.length ? hints.join(' ') : null,
  };
}
