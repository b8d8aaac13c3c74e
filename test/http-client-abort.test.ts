import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/app.ts';
import { ADMIN_KEY, buildTestApp } from './helpers/app.ts';
import { cloneTestDatabase, type TestDatabase } from './helpers/database.ts';

describe('a client that goes away in the middle of its body', () => {
  let tdb: TestDatabase;
  let app: App;
  let port: number;
  const lines: { msg: string; level: number }[] = [];

  beforeAll(async () => {
    tdb = await cloneTestDatabase();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    app = await buildTestApp(tdb.db, {}, undefined, { logger: pino({ level: 'info' }, sink) });
    port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
  });
  afterAll(async () => {
    await app.close();
    await tdb.close();
  });

  it('is logged as that, at info, not as the database refusing the request (warn, 503)', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.write(
      `POST /api/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"task":',
    );
    // The request has reached its body once it is logged as incoming.
    while (!lines.some((l) => l.msg === 'incoming request')) await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    const closed = 'the client closed the connection before its request was read';
    while (!lines.some((l) => l.msg === closed)) await new Promise((r) => setTimeout(r, 10));
    expect(lines.find((l) => l.msg === closed)?.level).toBe(30);
    expect(lines.map((l) => l.msg)).not.toContain('database refused the request');
  });
});
