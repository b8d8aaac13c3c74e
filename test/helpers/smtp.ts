import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createLogger } from '../../src/logger.ts';
import { createMailer, type Mailer } from '../../src/mail/mailer.ts';

export interface Delivered {
  from: string;
  to: string[];
  raw: string;
}

/** An SMTP server on 127.0.0.1 that keeps what it is sent. */
export async function startSmtp(): Promise<{
  port: number;
  messages: Delivered[];
  close: () => Promise<void>;
}> {
  const messages: Delivered[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => {
        raw += chunk.toString();
      });
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as AddressInfo;
  return { port, messages, close: () => new Promise((r) => server.close(() => r())) };
}

/** A mailer sending to the SMTP server on `port` of 127.0.0.1, as the clinic of the tests. */
export function clinicMailer(port: number): Mailer {
  return createMailer(
    { smtpUrl: `smtp://127.0.0.1:${port}`, from: 'Clinic <citas@clinic.test>' },
    createLogger('silent', false),
  );
}
