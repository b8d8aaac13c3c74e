import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Puts a `pg_restore` script first on PATH (in `dir`) in front of the real one: `--list`
 * (reading an archive) goes to the real tool, a restore to what `body` does with it. `body`
 * gets the real tool's path; the script's arguments are bash's "$@". Returns the PATH.
 */
export async function interposePgRestore(dir: string, body: (real: string) => string): Promise<string> {
  const real = (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((d) => path.join(d, 'pg_restore'))
    .find((p) => !p.startsWith(dir) && existsSync(p));
  if (!real) throw new Error('no pg_restore on PATH');
  const script = `#!/bin/bash
case " $* " in *" --list "*) exec "${real}" "$@";; esac
${body(real)}
`;
  await writeFile(path.join(dir, 'pg_restore'), script);
  await chmod(path.join(dir, 'pg_restore'), 0o755);
  return `${dir}${path.delimiter}${process.env.PATH}`;
}

export interface RunningRestore {
  child: ChildProcess;
  exited: Promise<unknown[]>;
  stderr: () => string;
}

/** `tenantry tenants restore <tenant> --latest` as a user starts it, with `env` added. */
export function startRestore(tenant: string, env: NodeJS.ProcessEnv): RunningRestore {
  const child = spawn(process.execPath, ['bin/tenantry.js', 'tenants', 'restore', tenant, '--latest'], {
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return { child, exited: once(child, 'exit'), stderr: () => stderr };
}

/** Polls `ready` until it holds; fails if the restore ends first. */
export async function whileRestoring(restore: RunningRestore, ready: () => Promise<boolean>): Promise<void> {
  while (!(await ready())) {
    if (restore.child.exitCode !== null) throw new Error(`restore ended first: ${restore.stderr()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
