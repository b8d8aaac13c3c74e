import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';

/** An exit the supervisor did not cause: the process stopped by itself. */
export interface SelfExit {
  name: string;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
  /** Seconds the process had been up. */
  uptime: number;
}

export interface SlotOptions {
  name: string;
  script: string;
  env: NodeJS.ProcessEnv;
  logDir: string;
  /** Called for every self exit, before the restart. */
  onSelfExit: (exit: SelfExit) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One supervised process, restarted whenever it exits, as a supervisor with restart-on-exit
 * would: after our own SIGKILL, and after an exit of its own (recorded, with its code). It
 * never restarts a process that is still running, however stuck: that is for the figures to
 * show. Repeated early exits back off, up to 5 s, as supervisors do.
 */
export class Slot {
  private child: ChildProcess | undefined;
  private startedAt = 0;
  private killedPid: number | undefined;
  private stopping = false;
  private backoffMs = 500;
  private readonly log: WriteStream;
  private readonly options: SlotOptions;
  /** Processes started in this slot, the first one included. */
  starts = 0;
  /** Resolves when the current process prints its ready line. */
  ready: Promise<void> = Promise.resolve();

  constructor(options: SlotOptions) {
    this.options = options;
    this.log = createWriteStream(path.join(options.logDir, `${options.name}.log`), { flags: 'a' });
    // A child's last output may arrive after the log was closed; losing it is harmless.
    this.log.on('error', () => {});
  }

  get name(): string {
    return this.options.name;
  }

  get pid(): number | undefined {
    return this.alive ? this.child?.pid : undefined;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): Promise<void> {
    this.starts += 1;
    const child = spawn(process.execPath, [this.options.script], {
      env: this.options.env,
      // Its own process group: a Ctrl-C reaches the benchmark, which stops everything in order.
      detached: true,
      // The child watches its stdin: when the benchmark dies, the pipe closes and it stops.
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.startedAt = Date.now();
    this.log.write(`--- ${new Date().toISOString()} started pid ${child.pid}\n`);
    child.stderr?.pipe(this.log, { end: false });
    // Output up to the ready line; the logs that follow only go to the log file.
    let out: string | undefined = '';
    this.ready = new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        this.log.write(chunk);
        if (out === undefined) return;
        out += chunk.toString();
        // The ready line, not a log line that happens to contain the word.
        if (/^ready( |$)/m.test(out)) {
          out = undefined;
          resolve();
        }
      });
      child.once('exit', (code, signal) =>
        reject(new Error(`${this.name} exited before it was ready (${signal ?? code})`)),
      );
    });
    this.ready.catch(() => {});
    child.once('exit', (code, signal) => this.exited(child, code, signal));
    return this.ready;
  }

  /** SIGKILL, as a crash or an OOM kill would; the exit handler restarts it. */
  kill(): boolean {
    const pid = this.pid;
    if (pid === undefined) return false;
    this.killedPid = pid;
    this.child?.kill('SIGKILL');
    return true;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; no restart afterwards. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child && this.alive) {
      // 'close': its output is flushed into the log too.
      const exited = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    await new Promise((resolve) => this.log.end(resolve));
  }

  /** For process exit, when nothing asynchronous runs any more. */
  killNow(): void {
    this.stopping = true;
    if (this.alive) this.child?.kill('SIGKILL');
  }

  private async exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null) {
    const at = Date.now();
    if (!this.stopping) this.log.write(`--- ${new Date(at).toISOString()} exited (${signal ?? code})\n`);
    if (this.stopping) return;
    const ours = child.pid === this.killedPid;
    const uptime = (at - this.startedAt) / 1000;
    if (!ours) {
      this.options.onSelfExit({ name: this.name, pid: child.pid!, code, signal, at, uptime });
      this.backoffMs = uptime < 10 ? Math.min(5_000, this.backoffMs * 2) : 500;
    }
    await sleep(ours ? 500 : this.backoffMs);
    if (!this.stopping) this.start().catch(() => {});
  }
}
