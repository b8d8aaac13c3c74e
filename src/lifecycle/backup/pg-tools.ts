import { spawn } from 'node:child_process';
import path from 'node:path';
import { AppError } from '../../errors.ts';

export type PgTool = 'pg_dump' | 'pg_restore';

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  binDir?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Collect stdout (bounded by `maxOutputBytes`); otherwise it is discarded. */
  captureStdout?: boolean;
}

/** Keeps the tail of stderr and a bounded stdout, so a chatty tool cannot exhaust memory. */
const MAX_STDERR_BYTES = 16 * 1024;
const MAX_STDOUT_BYTES = 8 * 1024 * 1024;
/** After SIGTERM, how long a tool gets to exit before SIGKILL. */
const KILL_GRACE_MS = 5000;

export class PgToolError extends Error {
  readonly tool: PgTool;
  readonly stderr: string;
  readonly reason: 'failed' | 'timeout' | 'aborted' | 'missing';

  constructor(
    tool: PgTool,
    message: string,
    stderr: string,
    reason: 'failed' | 'timeout' | 'aborted' | 'missing',
  ) {
    super(message);
    this.tool = tool;
    this.stderr = stderr;
    this.reason = reason;
    this.name = 'PgToolError';
  }
}

export function toolPath(tool: PgTool, binDir: string | undefined): string {
  return binDir ? path.join(binDir, tool) : tool;
}

/** Runs one PostgreSQL client tool with an argument array (no shell) and a hard time limit. */
export function runPgTool(tool: PgTool, args: readonly string[], options: RunOptions): Promise<string> {
  const { env, timeoutMs, binDir, signal, captureStdout = false } = options;
  if (signal?.aborted) return Promise.reject(new PgToolError(tool, `${tool} was aborted`, '', 'aborted'));
  return new Promise((resolve, reject) => {
    const child = spawn(toolPath(tool, binDir), args, {
      env,
      stdio: ['ignore', captureStdout ? 'pipe' : 'ignore', 'pipe'],
    });
    let stderr = '';
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stopped: 'timeout' | 'aborted' | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const stop = (why: 'timeout' | 'aborted') => {
      if (stopped || child.exitCode !== null) return;
      stopped = why;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const onAbort = () => stop('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });

    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-MAX_STDERR_BYTES);
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes <= MAX_STDOUT_BYTES) stdout.push(chunk);
    });

    const finish = () => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      finish();
      if (err.code === 'ENOENT') {
        reject(
          new PgToolError(
            tool,
            `${tool} was not found${binDir ? ` in ${binDir}` : ' on PATH'}`,
            '',
            'missing',
          ),
        );
      } else {
        reject(new PgToolError(tool, `${tool} could not be started: ${err.message}`, '', 'failed'));
      }
    });
    child.once('close', (code, exitSignal) => {
      finish();
      const detail = stderr.trim();
      if (stopped === 'timeout') {
        reject(
          new PgToolError(tool, `${tool} exceeded its time limit of ${timeoutMs} ms`, detail, 'timeout'),
        );
      } else if (stopped === 'aborted') {
        reject(new PgToolError(tool, `${tool} was aborted`, detail, 'aborted'));
      } else if (code !== 0) {
        const how = code === null ? `was killed by ${exitSignal}` : `exited with status ${code}`;
        reject(new PgToolError(tool, `${tool} ${how}${detail ? `: ${detail}` : ''}`, detail, 'failed'));
      } else if (stdoutBytes > MAX_STDOUT_BYTES) {
        reject(
          new PgToolError(tool, `${tool} printed more than ${MAX_STDOUT_BYTES} bytes`, detail, 'failed'),
        );
      } else {
        resolve(Buffer.concat(stdout).toString('utf8'));
      }
    });
  });
}

export const TOOLS_HINT =
  "Install the PostgreSQL client tools of the server's major version or newer " +
  '(Debian/Ubuntu: apt-get install postgresql-client-<major>; Alpine: apk add postgresql<major>-client; ' +
  'macOS: brew install postgresql@<major>) and put them first on PATH.';

/**
 * Maps a tool failure onto the error vocabulary: a missing, too old, timed-out or aborted
 * tool is an operator-side outage (503); anything else is an internal failure. Other errors
 * pass through unchanged.
 */
export function toolFailure(err: unknown, what: string): unknown {
  if (!(err instanceof PgToolError)) return err;
  const tooOld = /server version mismatch/i.test(err.stderr);
  const code = err.reason === 'failed' && !tooOld ? 'internal' : 'unavailable';
  const hint = err.reason === 'missing' || tooOld ? ` ${TOOLS_HINT}` : '';
  return new AppError(code, `${what}: ${err.message}.${hint}`, {
    reason: tooOld ? 'tool_too_old' : `tool_${err.reason}`,
  });
}

/** `pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)` → { version: '15.20', major: 15 }. */
export function parseToolVersion(output: string): { version: string; major: number } | undefined {
  const match = output.match(/\(PostgreSQL\)\s+((\d+)[.\d]*)/);
  if (!match?.[1] || !match[2]) return undefined;
  return { version: match[1], major: Number(match[2]) };
}
