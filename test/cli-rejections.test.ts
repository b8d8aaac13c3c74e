import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { toleratedRejection } from '../src/cli/run-until-signal.ts';

describe('unhandled rejections in a long-running process', () => {
  it('outlives graphile-worker’s failed return of fetched jobs, and stops with exit 1 on any other', async () => {
    const child = spawn(process.execPath, ['test/fixtures/rejection-process.ts'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const exited = once(child, 'exit');
    while (!out.includes('alive')) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(out).toBe('alive\n');
    child.stdin.write('other\n');
    const [code] = await exited;
    expect(out).toBe('alive\nstopped\n');
    expect(code).toBe(1);
  });

  it('tolerates only that one message', () => {
    expect(
      toleratedRejection(
        new Error('Error occurred whilst returning jobs from local queue to database queue: read ECONNRESET'),
      ),
    ).toBe(true);
    expect(toleratedRejection(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(
      toleratedRejection('Error occurred whilst returning jobs from local queue to database queue'),
    ).toBe(false);
  });
});
