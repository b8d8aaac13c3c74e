import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../logger.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  /**
   * Resolves with the transport's message id once the message is accepted. `logger` (a task's,
   * bound to its tenant and job) is where an unsent message is logged, so it can be traced.
   */
  send(message: MailMessage, logger?: Logger): Promise<{ messageId: string }>;
  close(): void;
}

/**
 * SMTP when `smtpUrl` is set; otherwise nodemailer's JSON transport, which builds the full
 * message and hands it to the log instead of a server, so development needs no mail server.
 */
export function createMailer(options: { smtpUrl: string | undefined; from: string }, logger: Logger): Mailer {
  const transport: Transporter = options.smtpUrl
    ? nodemailer.createTransport(options.smtpUrl)
    : nodemailer.createTransport({ jsonTransport: true });
  return {
    async send(message, taskLogger) {
      const info = await transport.sendMail({ from: options.from, ...message });
      if (!options.smtpUrl) {
        (taskLogger ?? logger).info(
          { mail: JSON.parse(String(info.message)) },
          'mail (not sent: SMTP_URL unset)',
        );
      }
      return { messageId: String(info.messageId) };
    },
    close: () => transport.close(),
  };
}
