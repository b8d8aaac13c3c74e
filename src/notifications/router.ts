import type { Logger } from '../logger.ts';

export const CHANNELS = ['sms', 'whatsapp', 'calendar'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface Notification {
  channel: Channel;
  to: string;
  message: string;
  tenantId: string | undefined;
}

/**
 * Delivers one channel's notifications. A real provider (Twilio, Google Calendar, ...) is one
 * small file implementing this and registered in createNotificationRouter.
 */
export interface NotificationProvider {
  readonly name: string;
  send(notification: Notification, signal: AbortSignal): Promise<{ reference: string }>;
}

export interface NotificationRouter {
  send(notification: Notification, signal: AbortSignal): Promise<{ provider: string; reference: string }>;
}

/** The default for every channel: records the notification in the log and delivers nothing. */
export function loggingProvider(logger: Logger): NotificationProvider {
  let sequence = 0;
  return {
    name: 'log',
    async send(notification) {
      sequence += 1;
      logger.info({ notification }, `${notification.channel} notification (logged, not delivered)`);
      return { reference: `log-${process.pid}-${sequence}` };
    },
  };
}

export function createNotificationRouter(
  logger: Logger,
  providers: Partial<Record<Channel, NotificationProvider>> = {},
): NotificationRouter {
  const fallback = loggingProvider(logger);
  return {
    async send(notification, signal) {
      const provider = providers[notification.channel] ?? fallback;
      const { reference } = await provider.send(notification, signal);
      return { provider: provider.name, reference };
    },
  };
}
