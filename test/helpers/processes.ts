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
  stdout: () => string;
}

/** Runs `tenantry start` and resolves once it prints its ready line. */
export function startTenantry(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn(process.execPath, ['bin/tenantry.js', 'start'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = out.match(/API (http:\/\/\S+)\s+docs \S+\s+admin key (\S+)/);
      if (ready?.[1] && ready[2]) resolve({ child, url: ready[1], adminKey: ready[2], stdout: () => out });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`tenantry start exited with ${code}: ${err}${out}`)));
  });
}
