import { execFileSync } from 'node:child_process';
import { readFile, readlink, realpath, rm } from 'node:fs/promises';
import path from 'node:path';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * Whether `pid` is the PostgreSQL server of `dataDir`. A postmaster works in its data
 * directory, so on Linux its cwd says; elsewhere (no /proc) its command name is the best
 * evidence. A pid in a stale postmaster.pid (after a reboot or a container restart) can belong
 * to any process by now, and must never be signalled as if it were ours.
 */
async function isServerOf(pid: number, dataDir: string): Promise<boolean | undefined> {
  const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
  if (cwd !== undefined) return cwd === (await realpath(dataDir).catch(() => dataDir));
  try {
    const command = execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' });
    return /postgres|postmaster/.test(command);
  } catch {
    // Neither says (no /proc access, no ps): not known, and not to be guessed either way.
    return undefined;
  }
}

/**
 * A server left behind by a parent that was SIGKILLed still holds the data directory.
 * It is ours to stop if it has been orphaned (re-parented to init); if a live process
 * owns it, another Tenantry is using this DATA_DIR and we refuse to start. A postmaster.pid
 * naming a live process that is not this directory's server is stale: it is removed (the
 * server would refuse to start over it), and that process is left alone.
 */
export async function stopOrphan(dataDir: string, log: (line: string) => void = () => {}): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => undefined))?.split('\n')[0]);
  if (!pid || !isAlive(pid)) return;
  const ours = await isServerOf(pid, dataDir);
  if (ours === undefined) {
    throw new Error(
      `${pidFile} names pid ${pid}, which is running, and whether it is this directory's PostgreSQL ` +
        'cannot be told here; stop it, or remove the file if it is not',
    );
  }
  if (!ours) {
    log(`embedded PostgreSQL: ${pidFile} names pid ${pid}, which is not its server; removed as stale`);
    await rm(pidFile, { force: true });
    return;
  }
  const ppid = await readFile(`/proc/${pid}/stat`, 'utf8')
    .then((s) => Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]))
    .catch(() => undefined);
  if (ppid !== 1) {
    throw new Error(
      `embedded PostgreSQL in ${dataDir} is already running (pid ${pid}); is another tenantry using it?`,
    );
  }
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, 15_000))) process.kill(pid, 'SIGKILL');
}
