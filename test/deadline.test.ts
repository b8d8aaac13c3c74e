import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { deadline } from '../src/deadline.ts';

function runFixture(ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', 'test/fixtures/gc-deadline.ts', String(ms)]);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    // A deadline that lost its timer would leave the request hanging: the test's own limit ends it.
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(guard);
      resolve(out.trim());
    });
  });
}

describe('deadline()', () => {
  it('aborts a hanging request even while the garbage collector runs throughout', async () => {
    expect(await runFixture(300)).toBe('TimeoutError');
  });

  it('follows its parent signal, and leaves nothing behind once cleared', () => {
    const parent = new AbortController();
    const limit = deadline(parent.signal, 60_000);
    expect(limit.signal.aborted).toBe(false);
    parent.abort(new Error('cancelled'));
    expect(limit.signal.aborted).toBe(true);
    expect((limit.signal.reason as Error).message).toBe('cancelled');
    limit.clear();
    const unused = deadline(undefined, 60_000);
    unused.clear();
    expect(unused.signal.aborted).toBe(false);
  });
});
