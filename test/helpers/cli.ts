import { spawn } from 'node:child_process';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bin/tenantry.js` as a user would, with `env` added to this process's environment, or
 * with exactly `env` when `inherit` is false (e.g. to leave DATABASE_URL out).
 */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  { inherit = true }: { inherit?: boolean } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/tenantry.js', ...args], {
      env: inherit ? { ...process.env, ...env } : env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
