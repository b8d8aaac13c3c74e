import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of live processes whose command line mentions `needle` (Linux /proc). */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

export interface Started {
  child: ChildProcess;
  url: string;
  adminKey: string;
  /** Whether the ready line showed the key itself (only when it was generated). */
  printedKey: boolean;
  stdout: () => string;
}

/** Runs `tenantry start` and resolves once it prints its ready line. */
export function startTenantry(env: NodeJS.ProcessEnv, args: string[] = []): Promise<Started> {
  const child = spawn(process.execPath, ['bin/tenantry.js', 'start', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // The key is printed on the start that generated it; later starts name the file holding it.
      const ready = out.match(/API (http:\/\/\S+)\s+docs \S+\s+admin key (?:in (\S+)|(\S+))/);
      if (ready?.[1] && (ready[2] || ready[3])) {
        const adminKey = ready[3] ?? readFileSync(ready[2]!, 'utf8').trim();
        resolve({ child, url: ready[1], adminKey, printedKey: ready[3] !== undefined, stdout: () => out });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`tenantry start exited with ${code}: ${err}${out}`)));
  });
}
